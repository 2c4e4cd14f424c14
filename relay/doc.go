// Package relay is the class relay: a small service, run by JupyterHub as a
// hub service, that lets a class of students use one teacher's AI key
// without any student seeing it. Each student's kernel sends its
// OpenAI-compatible requests to the relay with its own JupyterHub token as
// the API key; the relay checks the token with the hub, applies per-student
// limits and a fair class-wide queue, and forwards the request to the
// upstream (OpenRouter, any OpenAI-compatible server, or the offline sample
// provider) with the teacher's key. Streams pass through byte for byte.
//
// # Endpoints
//
// Under the path prefix P (config "prefix", else JUPYTERHUB_SERVICE_PREFIX,
// else "/"; JupyterHub routes /services/<name>/ to the service unchanged):
//
//	POST P v1/chat/completions   forwarded to <upstream>/chat/completions (limited, queued)
//	GET  P v1/models             forwarded to <upstream>/models (neither limited nor queued)
//	GET  P usage                 the usage document (classapi.UsageDoc), hub admins and read:users tokens only
//	GET  P health                classapi.Health: {"status":"ok","waiting":N,"student":{the limits}}, no token needed
//	GET  P class                 classapi.ClassNotice for the caller (any valid hub token): kept?, instructions, paused?
//	GET  P teacher               classapi.TeacherState: settings and the latest exchanges (?version=N waits for a change)
//	GET  P exchange?id=ID        one classapi.Exchange in full
//	POST P settings              classapi.Settings: the teacher's instructions, word lists, actions, safety model
//	POST P pause                 classapi.PauseRequest: pause or resume a student or the class, optionally stop now
//	POST P seen                  classapi.SeenRequest: mark alerts seen
//
// teacher, exchange, settings, pause and seen answer only hub admins and
// tokens holding the unfiltered read:users scope (the class view's
// service), as GET usage does; anyone else gets 403 admin_only. They are
// called with a token in the Authorization header, never with a cookie, so
// no other site can make a browser call them.
//
// The paths, the JSON of both answers, the error types below and the
// waiting comment are package classapi's, shared with the class view and
// the helpers.
//
// A student's OPENAI_BASE_URL is therefore, through the hub's proxy,
// http://<hub>/services/class-relay/v1, or the relay's own address followed
// by the prefix and v1. Nothing else is forwarded: other paths get 404.
//
// # Who is asking
//
// Requests carry "Authorization: Bearer <token>" (go-openai sends its API
// key that way; "Authorization: token <token>" works too), where the token
// is the student's JUPYTERHUB_API_TOKEN. The relay asks the hub
//
//	GET {JUPYTERHUB_API_URL}/user
//	Authorization: token <student token>
//
// and gets the token owner's model (name, kind, admin, groups, scopes). The
// owner must be of kind "user" (a service's token is refused) and, when the
// config lists required_scopes, the token must carry each of them (the
// unfiltered scope also counts: "access:services" grants
// "access:services!service=class-relay"). Answers are cached in memory for
// identity_cache.ttl (refusals for identity_cache.invalid_ttl), at most
// identity_cache.entries, keyed by the SHA-256 of the token; the token is
// never stored, logged or forwarded. Logs name a token only by tokenTag
// ("sha256:" and 8 hex digits of its hash).
//
// For GET usage the token must hold the unfiltered read:users scope (the
// class view's service role has it; a student's "self" gives only
// read:users!user=<name>), or its owner must be a hub admin ("admin":
// true). When the hub's /user answer does not say the owner is an admin,
// the relay asks GET {hub}/users/{name} with its own JUPYTERHUB_API_TOKEN
// (give the service the read:users scope for that).
//
// Errors, all in OpenAI's shape {"error":{"message":…,"type":…,"code":N}}:
//
//	401 invalid_hub_token   no token, a token the hub refuses (401/403), a service's token, a missing scope
//	503 hub_unavailable     the hub did not answer, answered 5xx, or /user is 404 (wrong hub_api_url);
//	                        Retry-After: 30. Not 401: the student's token is not at fault.
//	403 admin_only          GET usage by a non-admin without read:users
//
// # Requests
//
// The body must be one JSON object of at most max_request_bytes, in UTF-8
// (no byte-order mark, nothing after the object), nested at most 32 deep,
// with no key twice in any object (keys compared after unescaping, so
// "mod\u0065l" is "model"). The relay forwards only the fields it has
// checked: the body sent upstream is re-encoded from the checked values
// (keys sorted, numbers as written, null optional fields left out), never
// the student's bytes. The allow-list:
//
//	model                  string, required; must match upstream.allowed_models
//	messages               list of messages, required (below)
//	stream                 true or false
//	stream_options         {"include_usage": true|false} only
//	max_tokens             whole number ≥ 0; lowered to student.max_tokens (below)
//	max_completion_tokens  whole number ≥ 0; likewise
//	temperature            number 0…2
//	top_p                  number 0…1
//	n                      1 only (n > 1 multiplies the cost)
//	stop                   a string, or a list of at most 4 strings
//	presence_penalty       number -2…2
//	frequency_penalty      number -2…2
//	seed                   whole number
//	user                   string of at most 256 bytes
//	response_format        {"type": "text"|"json_object"} or {"type": "json_schema",
//	                       "json_schema": {"name", "description", "schema": {…}, "strict"}}
//	logprobs               true or false
//	top_logprobs           whole number 0…20
//	tools                  at most 64 {"type": "function", "function": {"name",
//	                       "description", "parameters": {…}, "strict"}}; no other tool types
//	tool_choice            "none", "auto", "required" or {"type": "function", "function": {"name"}}
//	parallel_tool_calls    true or false
//	reasoning_effort       "none", "minimal", "low", "medium" or "high"
//
// A message has "role" (system, user, assistant, developer or tool) and may
// have "content" (a string, null, or a list of text parts {"type": "text",
// "text": …}), "name", "tool_call_id", "tool_calls" (at most 128 {"index",
// "id", "type": "function", "function": {"name", "arguments"}}), "refusal"
// and "reasoning_content" (strings). Picture, sound and file parts
// (image_url, input_audio, file) are refused: they cost extra. A JSON
// schema ("schema", "parameters") may hold any JSON, within the limits
// above. A value of the wrong type or out of range gets 400
// invalid_request_error naming the field ("The field "temperature" must be
// a number from 0 to 2."); a missing model or messages likewise.
//
// Any other field, anywhere, gets 400 field_not_allowed naming it, and
// nothing is forwarded. At the top level the message says why for these:
// models, route and preset (other models than the class's), provider,
// plugins and web_search_options (paid extras such as web search),
// transforms, prediction, audio, modalities, service_tier, store and
// metadata, reasoning (OpenRouter's reasoning object can set a thinking
// budget beyond the class's cap; reasoning_effort is allowed, and its
// thinking tokens count toward max_tokens), functions and function_call
// (the old form of tools), logit_bias and usage. For example:
//
//	{"error":{"message":"The class relay does not send the field \"models\": it would let a request use other models than the class's. Remove it from your request.","type":"field_not_allowed","code":400}}
//
// A field spelled with other capital letters than an allowed one ("Model",
// "MESSAGES"; encoding/json would have matched it) and a field given twice
// get field_not_allowed too. A model outside upstream.allowed_models gets
// 400 model_not_allowed ("The model … is not available in this class"); a
// body holding the student's own hub token, even \u-escaped, gets 400 (it
// is not sent). max_tokens and max_completion_tokens above
// student.max_tokens are lowered to it; when neither is given, max_tokens
// is set to it.
//
// Upstream requests carry the student's headers except: Authorization
// (replaced by "Bearer <teacher key>", or none without a key), Cookie,
// the hop-by-hop headers (Connection and those it names, Keep-Alive, TE,
// Trailer, Transfer-Encoding, Upgrade, Proxy-*), Host, Content-Length,
// Accept-Encoding (so bytes are never recompressed), Forwarded, Via,
// X-Forwarded-*, X-Real-Ip, Origin, Referer, X-Xsrftoken, X-Jupyterhub-*,
// Sec-*, and any header whose value contains the student's token;
// upstream.headers are added (e.g. OpenRouter's HTTP-Referer and X-Title).
//
// # Responses
//
// A request that gets its turn at once receives the upstream's response as
// is: its status, its headers (without hop-by-hop headers and Set-Cookie)
// and its body, byte for byte. A stream (Content-Type text/event-stream) is
// copied as it arrives: every read from the upstream is written and flushed
// at once, so each event reaches the student when the upstream sends it,
// comments (": OPENROUTER PROCESSING"), error events
// ("data: {"error":…}"), usage chunks and "data: [DONE]" included. When the
// upstream cuts a stream, the relay cuts the student's connection too
// (rather than ending the response cleanly), so the student's client sees
// the same cut. Two exceptions: an upstream 401 to the teacher's key becomes
// 502 upstream_key_refused ("tell your teacher"), since it is not the
// student's key; an unreachable upstream gives 502 upstream_error.
//
// # classapi.Limits
//
// Per student (hub user name), checked in this order before queueing:
//
//	concurrent_streams   requests open at once (waiting or answering, streamed or not)
//	requests_per_day     requests admitted on the relay's local day (persisted: a restart does not reset it)
//	requests_per_minute  a token bucket (golang.org/x/time/rate) holding a minute's requests
//
// Over a limit: 429 with Retry-After (whole seconds), X-RateLimit-Limit,
// X-RateLimit-Remaining: 0 and, for the daily limit, X-RateLimit-Reset (Unix
// milliseconds of the next local midnight), and a body whose type names the
// limit (requests_per_minute, requests_per_day, concurrent_streams) and
// whose message says when to try again, e.g.
//
//	{"error":{"message":"Too many requests from you: this class allows 6 requests per minute for each student. Wait 8 s, then run the cell again.","type":"requests_per_minute","code":429}}
//
// The daily message contains "per day"; the per-minute one "per minute".
//
// # The class queue and the waiting comment
//
// Class-wide, at most upstream.requests_per_minute requests start in any 60
// seconds (an exact sliding window, as OpenRouter counts its free-model
// limit of 20 a minute per account) and at most upstream.max_concurrent
// run at once. Requests over that wait in a fair queue: students with
// waiting requests take turns round-robin, one request each per round, in
// the order they started waiting; each student's own requests keep their
// order. An upstream 429 with Retry-After pauses the queue that long (at
// most a minute).
//
// A waiting streamed request gets its response headers at once
// (200, Content-Type: text/event-stream, Cache-Control: no-cache,
// X-Accel-Buffering: no) and then SSE comment lines, each followed by a
// blank line, exactly:
//
//	: waiting for a free turn, N ahead
//
// (classapi.WaitingComment writes it, classapi.ParseWaiting reads it), where
// N is a decimal integer ≥ 0, the number of requests that will start before
// this one as the queue stands (0: it is next). On the wire:
//
//	": waiting for a free turn, 3 ahead\n\n"
//
// One comes at once, one each time N changes (at most one a second; a
// change within the second is sent when the second is over), and one every
// queue.keepalive as a keep-alive (N may repeat). When its turn comes, the upstream's
// stream follows in the same response: its comments and events as sent, but
// not its status line and headers. If the upstream then answers with an
// error status, the relay sends it as one event,
//
//	data: <the upstream's JSON error body on one line>
//
// when that body is JSON with an "error" member (so its message and code
// reach the student), otherwise
//
//	data: {"error":{"message":"The AI provider (…) answered with status N…","type":"upstream_error","code":N}}
//
// and ends the stream without [DONE]. A client's regular expression for the comment:
// ^: waiting for a free turn, ([0-9]+) ahead$ . Clients that ignore SSE
// comments are unaffected. The lesson's helpers drop them; a bare go-openai
// client counts each comment and each blank line toward its
// EmptyMessagesLimit (300 by default), so it copes with up to about 150
// comments in a row (the helpers raise that limit).
//
// A waiting non-streamed request just waits. After queue.max_wait without a
// turn, a request gets 429 queue_timeout with Retry-After: 60 (as an error
// event, type "queue_timeout", code 429, for a stream whose headers were
// sent); when queue.max_waiting requests already wait, 429 queue_full. A
// student who disconnects (the ■ button) leaves the queue at once.
//
// # Usage
//
// Per student and per local day (2006-01-02): requests admitted, requests
// refused by a limit, failed requests, prompt/completion/total tokens (from
// the upstream's usage — the final usage chunk of a stream, or the usage of
// a completion — else estimated: four bytes of messages per prompt token,
// one delta event per completion token; estimated_requests counts those),
// and the first and last time. The usage document (classapi.UsageDoc) is kept in
// <state_dir>/usage.json (mode 0600, written atomically every usage_flush
// and at exit) and served by GET usage. It holds no prompt or answer: those
// are the kept conversations (below).
//
// # Conversations, alerts, pause and instructions
//
// With conversations.keep (the default), each exchange — the messages as
// sent upstream and the answer's text as it was streamed, with its status,
// outcome and alerts — is appended to
// <state_dir>/conversations/<day>/<student>.jsonl (mode 0600, folders
// 0700), one classapi.Exchange a line, when it ends; the latest ones are
// also held in memory for GET teacher, which the class view long-polls.
// Days older than conversations.retention_days are deleted at start and
// every conversations.sweep_every. Seen marks are in
// conversations/seen.json. With keep off nothing is written or listed, and
// blocking still works.
//
// The teacher's settings (classapi.Settings: instructions, word lists,
// actions per category, safety model, pause state) are in
// <state_dir>/settings.json (0600, written atomically), the defaults
// classapi.DefaultSettings until the teacher changes them.
//
// Every request's messages (not the class instructions) are checked with
// the word lists — compiled once per change, Go's RE2, linear in the text —
// and, when safety_model is set, by that model through the same upstream
// (Llama Guard's format: classapi.ParseGuardVerdict, codes mapped by
// classapi.LlamaGuardCategories). When a category found is set to "block",
// the request is refused with 403 blocked_by_class and never sent upstream;
// the safety model is then asked before the request goes on (bounded by 15
// s; if it fails, the word lists alone decide and the log says so). When no
// category blocks, it is asked in the background and its alerts join the
// exchange when it answers. The answer is checked when it has ended (it has
// been streamed already, so an answer only alerts). The safety model's
// requests bypass the class queue.
//
// While the AI is paused for a student or the class, their requests get 403
// paused_by_teacher at once. Pausing with stop_now also ends their requests
// in progress: a waiting or streaming answer gets one error event
//
//	data: {"error":{"message":"Your teacher stopped the AI, so this answer was stopped here.","type":"paused_by_teacher","code":403}}
//
// and ends. Non-empty class instructions are put first in every request as
// {"role":"system","content":…}.
//
// # Config file
//
// JSON; every field is optional, unknown fields are errors. Durations are Go
// duration strings ("45s", "3m") or seconds. Each default is written once,
// as the constant named here (the per-student limits in package classapi);
// `class-relay -print-config` prints them all, and GET health the limits in
// force.
//
//	listen                      "" → host:port of JUPYTERHUB_SERVICE_URL, else defaultListen
//	prefix                      "" → JUPYTERHUB_SERVICE_PREFIX, else "/"
//	hub_api_url                 "" → JUPYTERHUB_API_URL (required one way or the other)
//	state_dir                   "" → $STATE_DIRECTORY, else defaultStateDir (created 0700)
//	upstream.base_url           "" → defaultOpenRouterURL with a key, the in-process offline provider without
//	upstream.key_file           "" → none; a file holding only the key, mode 0600 or stricter (else the relay refuses to start)
//	upstream.key_env            DefaultKeyEnv: environment variable read when key_file is ""
//	upstream.requests_per_minute autoRPM (defaultOpenRouterRPM for openrouter.ai, else no limit); 0 = no limit
//	upstream.max_concurrent     0 (no limit): upstream requests at once
//	upstream.timeout            defaultUpstreamTimeout: longest upstream request, stream included
//	upstream.allowed_models     [] (any): model names or patterns with *, e.g. ["openai/gpt-oss-120b:free", "*:free"]
//	upstream.headers            {}: extra headers for every upstream request
//	student.requests_per_minute classapi.DefaultRequestsPerMinute; 0 = no limit
//	student.requests_per_day    classapi.DefaultRequestsPerDay; 0 = no limit
//	student.concurrent_streams  classapi.DefaultConcurrentStreams; 0 = no limit
//	student.max_tokens          classapi.DefaultMaxTokens; 0 = no cap
//	queue.max_wait              defaultMaxWait
//	queue.keepalive             defaultKeepAlive
//	queue.max_waiting           defaultMaxWaiting; 0 = no bound
//	identity_cache.ttl          defaultIdentityTTL
//	identity_cache.invalid_ttl  defaultIdentityInvalid
//	identity_cache.entries      defaultIdentityEntries
//	required_scopes             [] (any token of a hub user)
//	usage_flush                 defaultUsageFlush
//	conversations.keep          true: keep each exchange for the teacher (false: none)
//	conversations.retention_days DefaultRetentionDays: days an exchange is kept
//	conversations.sweep_every   defaultSweepEvery: how often old days are deleted (also at start)
//	log_requests                true: one log line per request (user name, model, status, tokens; never a token or key)
//	max_request_bytes           defaultMaxRequestBytes
//	hub_timeout                 defaultHubTimeout
package relay
