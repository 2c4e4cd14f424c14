"""The teacher in the loop (issue #20), on the classroom hub for real: JupyterHub, the class
relay as its own Unix user, the class view, real Unix-user students and the teacher in
Chromium.

- a student's flagged prompt reaches the teacher's live page within 2 s, with its category,
  at the top; markup in a prompt or an answer shows as text; axe-core finds nothing;
- a category set to "alert and block" (in the class view's settings form) never reaches the
  upstream, and the student gets the kind refusal;
- pause stops one student, then the whole class, each time with a stream in progress ended
  ("stop now"); resume works;
- retention deletes old exchanges;
- students and non-admins never see anyone's conversations (every new endpoint, 403).

Needs root (CI runs as root).
"""
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import ROOT
from harness.axe import run_axe
from harness.classroom import Hub, Kernel, Names, browser_login, http, remove_stale_users, remove_users
from harness.upstream import FakeUpstream

if os.geteuid() != 0:
    pytest.skip("the classroom loop tests need root: they create real Unix users (CI runs as root)",
                allow_module_level=True)

INSTALL = os.environ.get("CLASSROOM_TEST_DIR", "/opt/golessons-test")
NAMES = Names("l")
STUDENTS = {k: NAMES.student(n) for k, n in (("a", "ada"), ("b", "bob"))}
HOSTILE_ANSWER = "FAKE-ANSWER <script>window.pwned=1</script> and <img src=x onerror=window.pwned=2> end."
MODEL = "openai/gpt-oss-120b:free"


class Stream:
    """A student's streamed request straight to the relay, read in a thread: .body is what
    came, .status its HTTP status, .done set when it ended."""

    def __init__(self, hub, token, prompt):
        self.body, self.status, self.done = "", None, threading.Event()
        req = urllib.request.Request(
            hub.relay_url + "/v1/chat/completions",
            data=json.dumps({"model": MODEL, "stream": True, "messages": [{"role": "user", "content": prompt}]}).encode(),
            headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})

        def run():
            try:
                with urllib.request.urlopen(req, timeout=120) as r:
                    self.status = r.status
                    for line in r:
                        self.body += line.decode()
            except urllib.error.HTTPError as e:
                self.status, self.body = e.code, e.read().decode()
            finally:
                self.done.set()

        threading.Thread(target=run, daemon=True).start()


def chat(hub, token, prompt):
    """A student's whole (non-streamed) request to the relay: (status, answer)."""
    return http("POST", hub.relay_url + "/v1/chat/completions", token,
                {"model": MODEL, "messages": [{"role": "user", "content": prompt}]}, timeout=120)


def upstream_saw(up, text):
    return any(text in json.dumps(b) for b in list(up.bodies))


@pytest.fixture(scope="module")
def loop(artifacts):
    from playwright.sync_api import sync_playwright

    from harness.lab import launch

    remove_stale_users(INSTALL, "l")
    p = subprocess.run(["bash", os.path.join(ROOT, "classroom", "install.sh"), INSTALL], cwd=ROOT,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    tmp = tempfile.mkdtemp(prefix="classroom-loop-")
    up = FakeUpstream(HOSTILE_ANSWER, pieces=30, gap=0.2)  # a 6 s stream: long enough to stop
    hub = None
    try:
        hub = Hub(tmp, os.path.join(artifacts, "classroom-loop-hub.log"), INSTALL, NAMES,
                  {"upstream": {"base_url": up.url}, "conversations": {"sweep_every": "1s"},
                   "student": {"requests_per_minute": 0}})
        password = hub.add_students(STUDENTS.values())[NAMES.teacher]
        tokens = {k: hub.token_for(n) for k, n in STUDENTS.items()}
        with sync_playwright() as pw:
            browser = launch(pw)
            try:
                teacher = browser.new_context().new_page()
                browser_login(teacher, hub.url, NAMES.teacher, password)
                teacher.goto(hub.url + "/services/class-view/")
                teacher.wait_for_selector("#alerts-h", timeout=60_000)
                yield {"hub": hub, "up": up, "tokens": tokens, "teacher": teacher, "browser": browser}
            finally:
                browser.close()
    finally:
        if hub is not None:
            hub.stop()
        up.stop()
        remove_users(list(STUDENTS.values()) + [NAMES.teacher, NAMES.relay_user], NAMES.group)
        shutil.rmtree(tmp, ignore_errors=True)


def wait_live(page, selector, timeout=10_000):
    """Wait for selector on the teacher's page as the live updates change it (no reload)."""
    page.wait_for_selector(selector, timeout=timeout)


def test_flagged_prompt_reaches_the_teachers_live_page_within_2_s(loop, artifacts):
    hub, teacher, ada = loop["hub"], loop["teacher"], STUDENTS["a"]
    teacher.wait_for_function("() => document.getElementById('connection').textContent.includes('on')", timeout=30_000)
    prompt = "<b>bold?</b> sometimes I want to kill myself"
    t0 = time.time()
    Stream(hub, loop["tokens"]["a"], prompt)
    wait_live(teacher, ".alert:has-text('kill myself')")
    elapsed = time.time() - t0
    print(f"\nthe flagged prompt was on the teacher's page {elapsed:.3f} s after the student sent it")
    assert elapsed < 2.0, elapsed
    alert = teacher.inner_text("#live .alerts")
    assert "self-harm" in alert and ada in alert and "<b>bold?</b>" in alert, alert
    assert teacher.evaluate("() => document.querySelectorAll('#live .alerts b').length") == 0
    # Alerts sit at the top of the page, before the class's summary and the questions.
    order = teacher.evaluate("() => [...document.querySelectorAll('#live h2')].map(h => h.id)")
    assert order[0] == "alerts-h", order
    teacher.screenshot(path=os.path.join(artifacts, "classroom-loop-alert.png"), full_page=True)
    assert run_axe(teacher, artifacts, "class-view-alerts") == []


def test_markup_in_prompts_and_answers_stays_text(loop, artifacts):
    hub, up, teacher = loop["hub"], loop["up"], loop["teacher"]
    status, body = chat(hub, loop["tokens"]["b"], "<i>italic?</i> what is a Bankhar?")
    assert status == 200 and "<script>" in body["choices"][0]["message"]["content"], body
    wait_live(teacher, "#live .exchanges .answer:has-text('FAKE-ANSWER')", timeout=20_000)
    link = teacher.get_attribute(f"#live .exchanges li:has-text('italic?') a", "href")
    page = loop["browser"].contexts[0].new_page()
    try:
        page.goto(hub.url + "/services/class-view/" + link)
        page.wait_for_selector("main#exchange")
        text = page.inner_text("main#exchange")
        assert "<i>italic?</i> what is a Bankhar?" in text and HOSTILE_ANSWER in text, text
        assert page.evaluate("() => [document.scripts.length, window.pwned === undefined]") == [0, True]
        assert page.evaluate("() => document.querySelectorAll('main img, main i').length") == 0
        page.screenshot(path=os.path.join(artifacts, "classroom-loop-exchange.png"), full_page=True)
        assert run_axe(page, artifacts, "class-view-exchange") == []
    finally:
        page.close()
    assert teacher.evaluate("() => window.pwned === undefined")
    assert upstream_saw(up, "italic?")


def test_blocked_category_never_reaches_the_upstream(loop):
    hub, up, teacher, bob = loop["hub"], loop["up"], loop["teacher"], STUDENTS["b"]
    teacher.click("#settings summary")
    teacher.check("#action-personal_data-block")
    teacher.fill("#instructions", "The students are 12-14; keep answers short and age-appropriate.")
    with teacher.expect_navigation():
        teacher.click("#settings button[type=submit]")
    wait_live(teacher, "#instructions-shown:has-text('12-14')")
    status, body = chat(hub, loop["tokens"]["b"], "my phone number is 555 123 4567, call me")
    assert status == 403 and body["error"]["type"] == "blocked_by_class", body
    assert not upstream_saw(up, "555 123 4567")
    wait_live(teacher, ".alert:has-text('555 123 4567')")
    alert = teacher.inner_text(".alert:has-text('555 123 4567')")
    assert "personal data" in alert and "blocked" in alert and bob in alert, alert
    # The instructions go first in what does reach the upstream.
    assert chat(hub, loop["tokens"]["b"], "what is a Bankhar?")[0] == 200
    sent = [b for b in up.bodies if "what is a Bankhar?" in json.dumps(b)][-1]
    assert sent["messages"][0] == {"role": "system", "content": "The students are 12-14; keep answers short and age-appropriate."}
    # Mark seen: the alert leaves the top of the page.
    with teacher.expect_navigation():
        teacher.click(".alert:has-text('555 123 4567') button")
    assert teacher.query_selector(".alert:has-text('555 123 4567')") is None


def click(teacher, selector):
    with teacher.expect_navigation():
        teacher.click(selector)


def wait_upstream(up, cond, what, timeout=30):
    deadline = time.time() + timeout
    while not cond(up.active) and time.time() < deadline:
        time.sleep(0.05)
    assert cond(up.active), what


def test_pause_a_student_then_the_class_with_stop_now_and_resume(loop):
    hub, up, teacher, tokens = loop["hub"], loop["up"], loop["teacher"], loop["tokens"]
    ada, bob = STUDENTS["a"], STUDENTS["b"]
    wait_upstream(up, lambda n: n == 0, "earlier answers did not end")
    s = Stream(hub, tokens["a"], "tell me a long story")
    wait_upstream(up, lambda n: n == 1, "ada's stream did not begin")
    click(teacher, f'button[form="f-stop"][value="{ada}"]')
    assert s.done.wait(10), "ada's stream went on after stop now"
    assert s.status == 200 and "data: {" in s.body and '"type":"paused_by_teacher"' in s.body, s.body
    assert "[DONE]" not in s.body
    status, body = chat(hub, tokens["a"], "hello?")
    assert status == 403 and body["error"]["type"] == "paused_by_teacher", body
    assert chat(hub, tokens["b"], "hello?")[0] == 200  # only ada is paused
    wait_live(teacher, f'button[form="f-resume"][value="{ada}"]')
    # The whole class, with bob's stream in progress.
    s = Stream(hub, tokens["b"], "tell me another long story")
    wait_upstream(up, lambda n: n == 1, "bob's stream did not begin")
    click(teacher, 'button[form="f-stop"][value=""]')
    assert s.done.wait(10), "bob's stream went on after the class was stopped"
    assert '"type":"paused_by_teacher"' in s.body and "[DONE]" not in s.body, s.body
    for key in ("a", "b"):
        status, body = chat(hub, tokens[key], "hello?")
        assert status == 403 and body["error"]["type"] == "paused_by_teacher", body
    assert "Paused for the whole class" in teacher.inner_text("#ai-state")
    click(teacher, 'button[form="f-resume"][value=""]')
    for key in ("a", "b"):
        assert chat(hub, tokens[key], "hello again")[0] == 200
    assert "On for the class" in teacher.inner_text("#ai-state")


CONNECT_CELL = """import (
	"fmt"

	"github.com/k12notebooks/golessons/helpers"
	"github.com/sashabaranov/go-openai"
)

%%
openai.NewClientWithConfig(helpers.Connect(openai.DefaultConfig(helpers.APIKey())))
fmt.Println(helpers.CurrentConnection())
"""

STREAM_CELL = """import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/k12notebooks/golessons/helpers"
	"github.com/sashabaranov/go-openai"
)

%%
client := openai.NewClientWithConfig(helpers.Connect(openai.DefaultConfig(helpers.APIKey())))
stream, err := client.CreateChatCompletionStream(context.Background(), openai.ChatCompletionRequest{
	Model: "openai/gpt-oss-120b:free", Stream: true,
	Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "tell me a story"}}})
for err == nil {
	var c openai.ChatCompletionStreamResponse
	if c, err = stream.Recv(); err == nil && len(c.Choices) > 0 {
		fmt.Print(c.Choices[0].Delta.Content)
	}
}
if !errors.Is(err, io.EOF) {
	helpers.ShowError(err)
}
"""


def test_a_students_cell_tells_them_and_says_when_paused(loop):
    """In ada's own GoNB kernel: the connect cell says the teacher can see what is asked and
    shows the instructions; a paused cell says so at once; "stop now" ends a cell's stream
    with the teacher's words, the text so far kept."""
    hub, up, teacher, ada = loop["hub"], loop["up"], loop["teacher"], STUDENTS["a"]
    hub.start_server(ada)
    k = Kernel(hub, ada, loop["tokens"]["a"])
    try:
        out, err, _ = k.execute(CONNECT_CELL)
        assert err is None and "Your teacher can see what you ask the AI" in out and "12-14" in out, out
        teacher.goto(hub.url + "/services/class-view/")
        click(teacher, f'button[form="f-pause"][value="{ada}"]')
        out, err, secs = k.execute(STREAM_CELL)
        print(f"\nthe paused cell said so in {secs:.2f} s")
        assert "Your teacher has paused the AI for now" in out, out
        click(teacher, f'button[form="f-resume"][value="{ada}"]')
        wait_upstream(up, lambda n: n == 0, "earlier answers did not end")
        result = {}
        t = threading.Thread(target=lambda: result.update(zip(("out", "err", "secs"), k.execute(STREAM_CELL))))
        t.start()
        wait_upstream(up, lambda n: n == 1, "the cell's stream did not begin")
        clicked = time.time()
        click(teacher, f'button[form="f-stop"][value="{ada}"]')
        t.join(120)
        print(f"the stopped cell ended {time.time() - clicked:.2f} s after the click")
        assert "Your teacher stopped the AI" in result["out"] and "text received so far is kept" in result["out"], result
        click(teacher, f'button[form="f-resume"][value="{ada}"]')
    finally:
        k.close()


def test_retention_deletes_old_exchanges(loop):
    hub = loop["hub"]
    conv = os.path.join(hub.state, "relay", "state", "conversations")
    st = os.stat(conv)
    assert st.st_mode & 0o777 == 0o700 and pwd.getpwuid(st.st_uid).pw_name == NAMES.relay_user
    kept = [os.path.join(d, f) for d, _, fs in os.walk(conv) for f in fs if f.endswith(".jsonl")]
    assert kept and all(os.stat(f).st_mode & 0o777 == 0o600 for f in kept), kept
    old = os.path.join(conv, "2020-01-01")
    os.makedirs(old)
    e = {"id": "2020-01-01~" + STUDENTS["a"] + "~1", "time": "2020-01-01T10:00:00Z", "student": STUDENTS["a"],
         "model": MODEL, "messages": [], "answer": "old", "status": 200, "done": True}
    with open(os.path.join(old, STUDENTS["a"] + ".jsonl"), "w") as f:
        f.write(json.dumps(e) + "\n")
    subprocess.run(["chown", "-R", NAMES.relay_user, old], check=True)
    deadline = time.time() + 15
    while os.path.exists(old) and time.time() < deadline:
        time.sleep(0.2)
    assert not os.path.exists(old), "an exchange older than 30 days was not deleted"
    assert all(os.path.exists(f) for f in kept), "recent exchanges were deleted"


def test_students_and_non_admins_never_see_conversations(loop):
    hub, tokens = loop["hub"], loop["tokens"]
    status, r = hub.api("GET", "/users/" + NAMES.teacher)  # the teacher is an admin; the students are not
    assert status == 200 and r["admin"], r
    for base in (hub.relay_url, hub.url + "/services/class-relay"):
        for token in tokens.values():
            for path in ("teacher", "exchange?id=x", "usage"):
                status, _ = http("GET", f"{base}/{path}", token)
                assert status == 403, (base, path, status)
            for path in ("settings", "pause", "seen"):
                status, _ = http("POST", f"{base}/{path}", token, {})
                assert status == 403, (base, path, status)
            status, notice = http("GET", f"{base}/class", token)
            assert status == 200 and notice["kept"] and "12-14" in notice["instructions"], notice
        status, _ = http("GET", f"{base}/teacher", None)
        assert status == 401
    # The class view's pages refuse a student's token (the hub gives them no access to it).
    for token in tokens.values():
        for path in ("", "exchange/x"):
            req = urllib.request.Request(hub.url + "/services/class-view/" + path, headers={"Authorization": "token " + token})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    body = r.read().decode()
                    assert "Alerts" not in body and "Conversations" not in body, body[:500]
            except urllib.error.HTTPError as e:
                assert e.code in (401, 403), e.code
