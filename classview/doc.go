// Package classview is the teacher's live view of a class on JupyterHub: a
// page, for hub admins only, that shows who is online, what each student
// used of the class relay today, and the quiz progress per question while
// the students work (the share who answered and who answered right, the
// most common wrong answers, each student's answers and attempts), updated
// without a reload; one click downloads the class's gradebook (CSV and
// HTML, as cmd/gradebook writes them); and each student's notebooks can be
// read there, read only, with nothing in them run (see "Students'
// notebooks"). It runs as a JupyterHub service
// beside the class relay (cmd/class-view; classroom/class_view_service.py
// makes its entry of c.JupyterHub.services).
//
// # Endpoints
//
// Under the service prefix P (config "prefix", else JUPYTERHUB_SERVICE_PREFIX,
// else /services/class-view/):
//
//	GET  P                  the page: plain HTML from embedded templates
//	GET  P oauth_callback   the end of the hub login (the path of JUPYTERHUB_OAUTH_CALLBACK_URL)
//	GET  P events           server-sent events: "live" carries the page's live part
//	GET  P gradebook.zip    gradebook.csv and gradebook.html of the class, zipped
//	GET  P gradebook.csv    the same CSV alone
//	GET  P gradebook.html   the same page alone
//	GET  P notebooks/<student>/        the list of a student's notebooks
//	GET  P notebooks/<student>/<path>  one notebook, read only (<path> in the home, each part escaped)
//	GET  P static/…         the page's script (classview.js) and style sheet
//	GET  P exchange/<id>    one kept exchange in full (messages and answer, as text)
//	POST P ai               pause, stop now or resume the AI for a student ("student") or the class ("")
//	POST P seen             mark the alert of exchange "id" seen
//	POST P settings         the teacher's instructions, word lists, actions per category, safety model
//	POST P logout           sign out of the class view
//	GET  P health           {"status":"ok"}, no login needed
//
// # Who may look: the hub's OAuth
//
// The view signs browsers in exactly as JupyterHub's own
// jupyterhub.services.auth.HubOAuth does for a Python service:
//
//  1. A request without a session (no cookie, a bad signature, expired) goes
//     to the hub: 302 to {JUPYTERHUB_HOST}{JUPYTERHUB_BASE_URL}hub/api/oauth2/authorize
//     with client_id (JUPYTERHUB_CLIENT_ID, "service-class-view"),
//     redirect_uri (JUPYTERHUB_OAUTH_CALLBACK_URL), response_type=code, a
//     random state, and a PKCE code_challenge (S256). The state's id is also
//     set in the cookie "<client_id>-oauth-state" (signed, HttpOnly,
//     SameSite=Lax, Max-Age 600, path P); what it stands for (where to come
//     back to, the PKCE verifier) stays in the server. The event stream gets
//     401 instead of a redirect.
//  2. The hub logs the teacher in and sends the browser to the callback with
//     a code and the state. An "error" from the hub, or a missing code or
//     state, is 400; a state that does not match the state cookie (a forged
//     or stale callback: login CSRF) is 403 "oauth state does not match".
//  3. The code is exchanged: POST {JUPYTERHUB_API_URL}/oauth2/token with
//     client_id, client_secret (the service's JUPYTERHUB_API_TOKEN),
//     grant_type=authorization_code, code, redirect_uri and code_verifier.
//  4. GET {JUPYTERHUB_API_URL}/user with "Authorization: token <access
//     token>" says who signed in. The browser gets the session cookie
//     "<client_id>" (a random id, signed with HMAC-SHA256 under a key made
//     at start, HttpOnly, SameSite=Lax, path P, Secure over https; with
//     JUPYTERHUB_COOKIE_HOST_PREFIX_ENABLED, "__Host-<client_id>" on path
//     "/") and goes back where it was. The access token stays in the
//     server; the hub is asked about it again every session_recheck, so a
//     revoked token or a removed admin loses the page within that time.
//
// Only hub admins see the page: a user ("kind": "user") whose token holds
// one of the service's access scopes (JUPYTERHUB_OAUTH_ACCESS_SCOPES, by
// default access:services!service=class-view) and who is an admin
// ("admin": true, or the unfiltered admin:users scope). Anyone else who gets
// through the hub's login sees 403 and a page saying why. The hub itself
// already refuses users without access to the service.
//
// # What it reads
//
// The lessons (config "lessons", the lesson notebooks) grade every answer,
// as the gradebook does (package gradebook): the "correct" an answers file
// holds is never read. The lessons are read again when a notebook changes.
//
// The answers are read from the students' home folders (config "homes",
// /home/*; the student is the folder's name, which is the hub user name for
// JupyterHub's local users), at the paths "answers_paths" relative to each
// home (a "*" matches one folder or file name, never a hidden one; default:
// "<notebook>.answers.json" and "*/<notebook>.answers.json" for each lesson
// notebook), every poll (2 s) while a page is open (or was, in the last
// minute; an idle service reads nothing, and the next page reads the class
// before it shows). The service must run as a user who may read
// the homes: root, as a JupyterHub-managed service runs when the hub does.
// Reading is as careful as the gradebook's: through an os.Root on each home
// (a link cannot lead to another student's files), never through a link
// (a linked folder on the way, or a linked answers file, is a warning),
// never opening a FIFO, device or socket, and nothing over 1 MiB. Homes were
// chosen over each student's Jupyter contents API because they work while a
// student's server is stopped, need no token with access to every server,
// and cost a few stat calls per poll.
//
// Hub users (GET {JUPYTERHUB_API_URL}/users with the service's token, every
// hub_poll; its role needs list:users, read:users and read:servers)
// say who is online (a ready server) and when each was last active; every
// non-admin user is listed, answers or not. Hub admins and exclude_users are
// not students: their homes are not read.
//
// The class relay (relay.url, its address with its prefix) is asked every
// hub_poll: its GET health (classapi.Health) gives the number of requests
// waiting in its queue and the per-student limits in force; its GET usage
// (classapi.UsageDoc, asked with the service's token, whose role holds
// read:users) gives each student's requests, tokens and refusals today. A
// student refused by a limit today, or at the relay's
// student.requests_per_day, is marked "over a limit". When the relay does
// not answer, the page says so and shows no requests.
//
// The relay's GET teacher (classapi.TeacherState) is long-polled all the
// time (?version=N: the relay answers when something changed, or after
// about 25 s), so an exchange, an alert, a pause or a change of settings is
// on the open pages as soon as the relay has it: "Alerts" (flagged
// exchanges not yet seen, with their categories) and "The class's AI"
// (pause state, instructions) come first in the live part, each student's
// latest exchanges under "Conversations". The POST forms (ai, seen,
// settings) need a signed-in admin, the session's CSRF token (made at sign
// in, in a hidden field of the page's forms; the live part's buttons name
// those forms with form="…", so the shared live part holds no token) and,
// when the browser says where it comes from, Sec-Fetch-Site: same-origin;
// the session cookie is SameSite=Lax. They are sent on to the relay's
// teacher endpoints with the service's token, then the browser goes back to
// the page (303).
//
// # The page
//
// Plain HTML from embedded templates (html/template escapes every name and
// answer; a student's text is never markup), usable by keyboard (tables
// with headers, details/summary per student, a skip link, visible focus),
// with one script file and one style sheet from the service itself and a
// strict Content-Security-Policy (ContentSecurityPolicy: script-src 'self',
// no inline script, style or event handler). Every response also has
// X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer,
// X-Frame-Options: DENY, Cache-Control: no-store and
// Cross-Origin-Opener-Policy: same-origin; all but the static files have
// Cross-Origin-Resource-Policy: same-origin. The script opens the event
// stream: each "live" event's data is JSON {"version": n, "html": …}, the
// page's live part as rendered by the same template; a new event comes when
// that part changes, a comment every 15 s, and "signedout" when the session
// ends.
//
// # Students' notebooks
//
// A student's own JupyterLab is served on the hub's origin: a page of it
// that the teacher opens could run the student's script with the teacher's
// hub session. So the class view shows students' notebooks instead, as
// inert pages (the Notebooks column of the students' table links to them).
//
// The list (<ul id="student-notebooks">) holds the *.ipynb files in the
// student's home and up to 3 folders down, the home's lessons/ first: at
// most 200, never in a hidden folder (nor node_modules and the like), never
// through a link (a linked notebook is listed as refused), reading at most
// 2000 entries of a folder and 300 folders. The student must be one the
// page lists (not a hub admin, not excluded: the teacher's own home is not
// shown) with a real folder as home. A notebook's page (<main
// id="notebook">) is served only for a path that list holds, each part of
// the URL unescaped on its own (an encoded "/" is refused, as are "..",
// hidden names and NUL); the file is opened through an os.Root on the home
// as the answers files are (safefile.OpenRegularFile: no link, FIFO or device,
// the very file checked), and must belong to the home's owner.
//
// The page shows each cell in order: its source as text; stream output,
// text/plain and error tracebacks as text (terminal escapes and control
// characters removed, direction overrides shown as \u escapes); text/html
// and text/markdown outputs through a strict allow-list (bluemonday: text,
// lists, tables, code; links only to http, https and mailto, with
// target=_blank and rel="nofollow noreferrer noopener"; images only as
// data: URLs of a checked PNG or JPEG; no script, style, class, id, form,
// frame, SVG, base or meta), then parsed and written again so that it is
// well formed; image/png and image/jpeg outputs as data: images when they
// are valid base64 of such an image of at most 2 MiB; a quiz widget of this
// project as its text form; anything else as a note naming its type. A
// notebook's trust signature makes no difference. Bounds: 16 MiB of the
// file is read, 1000 cells, 50 outputs a cell, 100 KiB of text an output
// or source, 512 KiB an HTML output, 8 MiB a page; what is left out is
// said, and damaged JSON shows the cells before the damage, with a message.
//
// These pages have their own Content-Security-Policy, NotebookPolicy: no
// script at all, images only from data: URLs, no form, and sandboxed.
//
// # Config file
//
// JSON; every field is optional but lessons, unknown fields are errors.
// Durations are Go duration strings ("2s") or seconds.
//
//	listen            "" → host:port of JUPYTERHUB_SERVICE_URL, else DefaultListen
//	prefix            "" → JUPYTERHUB_SERVICE_PREFIX, else /services/class-view/
//	hub_api_url       "" → JUPYTERHUB_API_URL (required one way or the other)
//	hub_host          "" → JUPYTERHUB_HOST: the hub's public origin when the browser must be sent to another host
//	hub_base_url      "" → JUPYTERHUB_BASE_URL, else /
//	client_id         "" → JUPYTERHUB_CLIENT_ID, else service-class-view
//	callback_url      "" → JUPYTERHUB_OAUTH_CALLBACK_URL, else <prefix>oauth_callback
//	access_scopes     [] → JUPYTERHUB_OAUTH_ACCESS_SCOPES (or JUPYTERHUB_OAUTH_SCOPES), else access:services!service=class-view
//	lessons           the lesson notebooks, files or folders (required)
//	homes             DefaultHomes: the students' home folders
//	answers_paths     [] → for each lesson N: "N.answers.json", "*/N.answers.json"
//	exclude_users     []: user names that are not students
//	relay.url         "": the relay's address and prefix, e.g. http://127.0.0.1:10101/services/class-relay/; "" shows no usage or queue
//	poll              DefaultPoll: how often the homes are read
//	hub_poll          DefaultHubPoll: how often the hub's users and the relay are read
//	session_ttl       DefaultSessionTTL: how long a sign-in lasts
//	session_recheck   DefaultSessionRecheck: how often the hub is asked again about a session's token
//	hub_timeout       DefaultHubTimeout: bounds each request to the hub and the relay
//	secure_cookies    false: always set Secure (also on when JUPYTERHUB_PUBLIC_URL is https)
package classview
