// Package offline is the lesson's offline sample provider: a small
// OpenAI-compatible chat-completions server that answers on 127.0.0.1 when no
// API key is set, so that the lesson runs without an account or a network.
//
// It is not an AI model. It streams a prepared sample answer to each lesson
// question it knows, and to any other question a short note that says it
// only knows the lessons' questions and how to go live (set
// OPENROUTER_API_KEY). The answers are Markdown files in answers/, each with
// a header naming the question it answers (see answer.go); a test checks each
// question and the model against the lesson notebooks, which stay the one copy
// of the lesson. Every sample answer starts with a line saying it is an
// offline sample.
//
// # Endpoints
//
// Under each of the prefixes /api/v1 (OpenRouter's), /v1 (OpenAI's) and none:
//
//	POST <prefix>/chat/completions   streamed ("stream": true) or not
//	GET  <prefix>/models             a list holding the lesson model
//
// # Wire format
//
// A streamed answer copies the bytes OpenRouter sends for a reasoning model
// such as openai/gpt-oss-120b:free. The response has Content-Type
// text/event-stream, every event ends with a blank line, and each event is
// flushed on its own:
//
//	: OPENROUTER PROCESSING                       (at once, then every KeepAlive while thinking)
//
//	data: {"id":"gen-…","provider":"Offline sample","model":"<requested model>","object":"chat.completion.chunk","created":N,
//	       "choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"The",
//	       "reasoning_details":[{"type":"reasoning.text","text":"The","format":"unknown","index":0}]},
//	       "finish_reason":null,"native_finish_reason":null,"logprobs":null}]}
//	… one event per reasoning token, then one per content token:
//	data: {…"choices":[{"index":0,"delta":{"role":"assistant","content":" feed"},"finish_reason":null,…}]}
//	data: {…"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop","native_finish_reason":"stop","logprobs":null}]}
//	data: {…"choices":[],"usage":{"prompt_tokens":P,"completion_tokens":C,"total_tokens":P+C,…}}
//	data: [DONE]
//
// (Each data line is one line on the wire; it is wrapped here to be read.)
// The finish reason is "length" when max_tokens or max_completion_tokens cut
// the answer short. Usage counts the tokens actually sent; reasoning tokens
// are reported in completion_tokens_details.reasoning_tokens.
//
// A request without "stream": true waits as long as the stream would have
// taken, then returns one chat.completion object whose message holds content,
// reasoning and reasoning_details, with usage.
//
// Errors use OpenRouter's shape, {"error":{"message":"…","code":N}}. With
// Options.RequireKey set, a request without a bearer token gets 401 "No auth
// credentials found" and one with another token gets 401 "User not found.".
//
// # As a safety model
//
// When the request's model is a safety model's name (IsSafetyModel: any name
// containing "llama-guard", e.g. meta-llama/llama-guard-4-12b or
// llama-guard3), the provider answers as a safety model in Llama Guard's
// format would, at once: the content is "safe", or "unsafe", a newline and
// the violated codes joined by commas ("unsafe\nS1,S11"), the format
// classapi.ParseGuardVerdict reads. The verdict is on the last message's
// text (the turn Llama Guard assesses), by a fixed rule (GuardVerdict, not a
// real classifier): a code is given when one of its words is in the text,
// as a whole word and without regard to case:
//
//	S1   kill, killing, murder, stab, shoot, bomb, attack
//	S3   abuse, abused, assault, assaulted
//	S7   a phone number (123-456-7890, spaces, dots or nothing between), "my address is", "i live at"
//	S10  hate, hateful
//	S11  suicide, suicidal, self-harm, "kill myself", "hurt myself", "want to die"
//	S12  sex, sexual, porn, nude, naked
//
// A streamed request gets the verdict as one chunk, then [DONE].
//
// # Pacing
//
// Tokens come from Tokenize (word pieces of one to four characters, like a BPE
// tokenizer's) and leave on a fixed schedule: token i of a stream is due
// ThinkTime + i/TokensPerSecond after the request. Each token is its own SSE
// event and its own write; the server sleeps until the next token is due and
// never drifts. The Go runtime's timers wake about once a millisecond, so at
// rates above about 1000 tokens/s tokens leave in small bursts of separate
// events, and the average rate stays exact.
//
// # Per-request overrides
//
// These request headers, all optional, override Options for one request
// (tests and benchmarks use them; a real provider ignores them):
//
//	X-Offline-Tokens-Per-Second: 3000     pace, tokens per second
//	X-Offline-Think-Time: 250ms           pause before the first token (Go duration or seconds)
//	X-Offline-Bench: 1                    bench mode on (1/true) or off (0/false)
//	X-Offline-Tokens: 5000                number of bench tokens
//
// # Bench mode
//
// With Options.Bench (or X-Offline-Bench: 1) the answer is Options.Tokens
// synthetic content tokens, each carrying its sequence number and the time it
// was sent, so that an observer (a browser's MutationObserver, say) can tell
// when each token appears and whether any is lost. Token i is
//
//	<sep>⟦<i>|<unix microseconds at send>⟧
//
// where <sep> is "\n\n" when i > 0 and i is a multiple of BenchParagraph
// (making paragraphs), and " " otherwise; ⟦ and ⟧ are U+27E6 and U+27E7.
// Sequence numbers run 0 … Tokens-1 in order. For example token 17 sent at
// 1732400000.123456 s is " ⟦17|1732400000123456⟧". The regular expression
// BenchPattern matches one marker, and ParseBenchMarkers reads them all.
// Bench mode streams no reasoning unless Options.Reasoning is set.
package offline
