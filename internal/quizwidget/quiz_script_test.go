package quizwidget

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/answerfile"
	"github.com/k12notebooks/golessons/lessonbook"
	"github.com/k12notebooks/golessons/quiz"
)

// runQuizJS runs the widget's script (as shipped, compacted) under Node.js
// with a harness that reads input as JSON and prints JSON to out.
func runQuizJS(t *testing.T, harness string, input, out any) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the script's grading is not compared with Go's")
	}
	in, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "harness.js")
	src := quizScript + "\nconst input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n" + harness
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, file)
	cmd.Stdin = strings.NewReader(string(in))
	stdout, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node: %v\n%s", err, stderr)
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		t.Fatalf("node printed %q: %v", stdout, err)
	}
}

// gradeCases are graded by Go and by the browser script; both must agree.
var gradeCases = []struct {
	json    string
	answers []string
}{
	{seedFreeform, []string{"stream", "Stream.", "`stream`", "“stream”", " 'STREAM'! ", "stream=True", "streaming", "", "  ", "st ream"}},
	{seedTrueFalse, []string{"True", "true", "TRUE.", "False", "yes", "", "t"}},
	{seedMultiple, []string{"b", "B", " b ", "a", "e", "", "b,c"}},
	{`{"question_type": "freeform", "question": "Q", "answer": "C#", "accepted_answers": ["c sharp", "stream=True"]}`,
		[]string{"C#", "c#.", "C", "C  Sharp", "Stream=true", "stream = true", "\u00a0c#\u00a0", "\u0085c#"}},
	{`{"type": "string", "question": "Q", "explanation": "HyperText Transfer Protocol, ünïcode ✔, long enough for a second keystream block.", "answers": [
		{"answer": "HTTP", "correct": true, "match_case": true, "feedback": "Yes."},
		{"answer": "hypertext transfer protocol", "correct": true, "fuzzy_threshold": 0.8},
		{"answer": "FTP", "correct": false, "feedback": "That moves files."},
		{"type": "default", "feedback": "Try again."}]}`,
		[]string{"HTTP", "http", "Hypertext Transfer Protocl", "hypertext", "ftp", "gopher", "“HTTP”", "naïve"}},
	{`{"type": "many_choice", "question": "Q", "explanation": "A and C.", "answers": [
		{"answer": "A", "correct": true, "feedback": "A yes."}, {"answer": "B", "correct": false, "feedback": "B no."},
		{"answer": "C", "correct": true}]}`,
		[]string{"a,c", "c, a", "A,C", "a", "a,b,c", "a,,c", "", "a,z", "b"}},
	{`{"type": "multiple_choice", "question": "Q", "explanation": "Y.", "answers": [{"answer": "x", "correct": false, "feedback": "No."}, {"answer": "y", "correct": true, "feedback": "Yes."}]}`,
		[]string{"a", "b", "c"}},
	{`{"type": "numeric", "question": "Q", "precision": 3, "explanation": "Pi.", "answers": [
		{"type": "value", "value": 3.14, "correct": true, "feedback": "Correct."},
		{"type": "range", "range": [3.142857, 3.142858], "correct": true, "feedback": "22/7."},
		{"type": "range", "range": [-100000000, 0], "correct": false, "feedback": "Negative."},
		{"type": "default", "feedback": "Area of a unit circle."}]}`,
		[]string{"3.14", "3.14159", "3.1416", "+3.14", "3.14e0", ".314e1", "-1", "0", "3", "pi", "0x3", "1,5", " 3.14 ", "1e400", "3.145"}},
	{`{"type": "numeric", "question": "Q", "answers": [{"value": 0.1, "correct": true}, {"range": [1, 2], "correct": true}]}`,
		[]string{"0.1", "0.10000000001", "0.1000001", "1", "2", "2.0000001", "1.5"}},
	{seedReflection, []string{"I did not know answers arrive in pieces.", "", "stream", "<b>markup</b>", "a\nb"}},
}

func TestScriptGradesLikeGo(t *testing.T) {
	type jsCase struct {
		Data    *quiz.Sealed `json:"data"`
		Answers []string     `json:"answers"`
	}
	var input []jsCase
	var want [][]quiz.Result
	var qs []*quiz.Question
	type gradeCase struct {
		q       *quiz.Question
		answers []string
	}
	var cases []gradeCase
	for _, c := range gradeCases {
		cases = append(cases, gradeCase{mustQuestion(t, c.json), c.answers})
	}
	// Every lesson's own questions, with their explanations.
	lessons, _ := lessonbook.Lessons("../../notebooks")
	for _, path := range lessons {
		lesson, probs := lessonbook.Check(path)
		if len(probs) > 0 || len(lesson) == 0 {
			t.Fatalf("%s: the lesson's questions: %v", path, probs)
		}
		for _, cq := range lesson {
			cases = append(cases, gradeCase{cq.Question, []string{"stream", "Stream: true", "stream=True", "streaming", "True", "false", "a", "b", "c", "CreateChatCompletion"}})
		}
	}
	if len(lessons) == 0 {
		t.Fatal("no lessons in ../../notebooks")
	}
	for _, c := range cases {
		q := c.q
		data, err := widgetData(q)
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
		input = append(input, jsCase{Data: data, Answers: c.answers})
		var rs []quiz.Result
		for _, a := range c.answers {
			rs = append(rs, q.Grade(a))
		}
		want = append(want, rs)
	}
	var got [][]struct {
		Correct     bool   `json:"correct"`
		Feedback    string `json:"feedback"`
		Explanation string `json:"explanation"`
	}
	runQuizJS(t, `console.log(JSON.stringify(input.map(c => c.answers.map(a => golessonsQuiz.grade(c.data, a)))));`, input, &got)
	if len(got) != len(want) {
		t.Fatalf("script graded %d cases, want %d", len(got), len(want))
	}
	explained := 0
	for i, c := range cases {
		for j, a := range c.answers {
			g, w := got[i][j], want[i][j]
			if g.Correct != w.Correct || g.Feedback != w.Feedback {
				t.Errorf("case %d, answer %q: script says %+v, Go says %+v", i, a, g, w)
			}
			// The explanation comes out of the sealed data for a right answer only.
			wantExpl := ""
			if w.Correct {
				wantExpl = qs[i].Explanation
			}
			if g.Explanation != wantExpl {
				t.Errorf("case %d, answer %q: script decodes the explanation %q, want %q", i, a, g.Explanation, wantExpl)
			}
			if g.Explanation != "" {
				explained++
			}
		}
	}
	// The table is not trivially all-right or all-wrong.
	if !want[0][0].Correct || want[0][6].Correct || !want[7][1].Correct || want[7][0].Feedback != "Correct." || explained < 5 {
		t.Errorf("unexpected Go grades: %+v %+v (%d explained)", want[0], want[7], explained)
	}
	if len(cases) < len(gradeCases)+3*len(lessons) {
		t.Errorf("the %d lessons have %d questions, want at least 3 each", len(lessons), len(cases)-len(gradeCases))
	}
}

// TestScriptSHA256 compares the script's SHA-256 with Go's over every length
// around the padding's edges, and a long input.
func TestScriptSHA256(t *testing.T) {
	var msgs [][]int
	var want []string
	add := func(b []byte) {
		m := make([]int, len(b))
		for i, c := range b {
			m[i] = int(c)
		}
		msgs = append(msgs, m)
		sum := sha256.Sum256(b)
		want = append(want, hex.EncodeToString(sum[:]))
	}
	for n := 0; n <= 200; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*31 + n)
		}
		add(b)
	}
	add(bytes.Repeat([]byte("abc\xff"), 5000))
	var got []string
	runQuizJS(t, `console.log(JSON.stringify(input.map(m => Array.from(golessonsQuiz.sha256(m)).map(b => b.toString(16).padStart(2, '0')).join(''))));`, msgs, &got)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("SHA-256 of %d bytes: script %s, Go %s", len(msgs[i]), got[i], want[i])
		}
	}
}

func TestScriptNormalizesLikeGo(t *testing.T) {
	in := []string{" `Stream`. ", "“Hello,  World!”", "don’t\tstop…", "Ünïcödé ÀÉ", "a\u00a0b\u2003c", "\u0085x\u0085", "...", "-1", "C#", "İstanbul", "ΟΔΟΣ ΣΑΣ", "«x» ‹y›", "a.b", "?!x!?"}
	var got []string
	runQuizJS(t, `console.log(JSON.stringify(input.map(s => golessonsQuiz.normalize(s, false))));`, in, &got)
	for i, s := range in {
		if got[i] != quiz.Normalize(s) {
			t.Errorf("normalize(%q): script %q, Go %q", s, got[i], quiz.Normalize(s))
		}
	}
}

func TestScriptMergesLikeGo(t *testing.T) {
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	a := &answerfile.Record{Answer: "b", Correct: true, Time: ts("2025-01-01T10:05:00Z"), Attempts: 2, Question: "Q",
		History: []answerfile.Attempt{{Answer: "a", Time: ts("2025-01-01T10:00:00Z")}, {Answer: "b", Correct: true, Time: ts("2025-01-01T10:05:00Z")}}}
	b := &answerfile.Record{Answer: "c", Time: ts("2025-01-01T10:03:00Z"), Attempts: 2,
		History: []answerfile.Attempt{{Answer: "a", Time: ts("2025-01-01T10:00:00Z")}, {Answer: "c", Time: ts("2025-01-01T10:03:00Z")}}}
	old := &answerfile.Record{Answer: "z", Time: ts("2024-12-31T00:00:00Z"), Attempts: 5}
	// Two browsers within one millisecond (the widget writes nine fractional
	// digits), and one attempt written with fewer digits.
	c := &answerfile.Record{Answer: "y", Time: ts("2025-01-01T10:00:00.500000900Z"), Attempts: 2,
		History: []answerfile.Attempt{{Answer: "y", Time: ts("2025-01-01T10:00:00.500000900Z")}, {Answer: "x", Time: ts("2025-01-01T10:00:00.500000100Z")}}}
	d := &answerfile.Record{Answer: "w", Time: ts("2025-01-01T10:00:00.5000005Z"), Attempts: 2,
		History: []answerfile.Attempt{{Answer: "x", Time: ts("2025-01-01T10:00:00.5000001Z")}, {Answer: "w", Time: ts("2025-01-01T10:00:00.5000005Z")}}}
	cases := [][2]*answerfile.Record{{a, b}, {b, a}, {old, a}, {nil, b}, {c, d}, {d, c}}
	var got []struct {
		Answer   string               `json:"answer"`
		Correct  bool                 `json:"correct"`
		Time     time.Time            `json:"time"`
		Attempts int                  `json:"attempts"`
		Question string               `json:"question"`
		History  []answerfile.Attempt `json:"history"`
	}
	runQuizJS(t, `console.log(JSON.stringify(input.map(c => golessonsQuiz.mergeRecords(c[0], c[1]))));`, cases, &got)
	for i, c := range cases {
		w := answerfile.MergeRecords(c[0], c[1])
		g := got[i]
		if g.Answer != w.Answer || g.Correct != w.Correct || !g.Time.Equal(w.Time) || g.Attempts != w.Attempts || g.Question != w.Question || len(g.History) != len(w.History) {
			t.Errorf("case %d: script %+v, Go %+v", i, g, w)
			continue
		}
		for j := range w.History {
			if g.History[j].Answer != w.History[j].Answer || !g.History[j].Time.Equal(w.History[j].Time) {
				t.Errorf("case %d history %d: script %+v, Go %+v", i, j, g.History[j], w.History[j])
			}
		}
	}
}

// saveHarness runs the widget's saving in Node.js against a simulated Jupyter
// contents API. Each "browser" is its own JavaScript realm (vm context) with
// its own copy of the script, as two browsers have; none has Web Locks. The
// server does what jupyter_server does to a file: a PUT truncates it, then
// writes it in place a moment later, so a read may see it empty or (after two
// writes at once) mixed; it has no conditional write.
const saveHarness = `
const vm = require('vm');
const rnd = (a, b) => a + Math.random() * (b - a);
const sleep = ms => new Promise(r => setTimeout(r, ms));
const srv = { base: '/', headers: {} }, path = 'nb.answers.json';

function Server(content) {
  this.content = content; // null: no file
  this.mtime = 0; this.puts = 0; this.overlaps = 0; this.oddReads = 0; this.writing = 0;
}
Server.prototype.model = function (withContent) {
  if (this.content === null) return null;
  const m = { type: 'file', last_modified: '2025-01-01T00:00:00.' + String(this.mtime).padStart(6, '0') + 'Z',
    size: Buffer.byteLength(this.content) };
  if (withContent) m.content = this.content;
  return m;
};
Server.prototype.handle = async function (method, url, body, lag) {
  await sleep(lag());
  let status = 200, out = null;
  if (method === 'PUT') {
    const text = JSON.parse(body).content;
    this.puts++;
    if (this.writing++) this.overlaps++;
    this.content = ''; this.mtime++; // open(path, 'wb')
    await sleep(rnd(0, 4)); // the write, in a thread
    this.content = text + this.content.slice(text.length); this.mtime++;
    this.writing--;
    out = this.model(false);
  } else {
    out = this.model(/content=1/.test(url));
    if (!out) status = 404;
    else if (out.content !== undefined) { try { JSON.parse(out.content); } catch (e) { this.oddReads++; } }
  }
  await sleep(lag());
  const text = JSON.stringify(out);
  return { status, ok: status < 300, statusText: String(status), json: async () => JSON.parse(text) };
};

function browser(server, opts) {
  let puts = 0;
  const lag = () => rnd(0, opts.lag || 0);
  const ctx = vm.createContext({ window: {}, setTimeout, clearTimeout, console,
    fetch: async (url, init) => {
      const method = (init && init.method) || 'GET';
      if (method === 'PUT' && opts.stallPut && ++puts === opts.stallPut) await sleep(opts.stall);
      return server.handle(method, url, init && init.body, lag);
    } });
  const protoBefore = vm.runInContext('Object.getOwnPropertyNames(Object.prototype).sort().join()', ctx);
  const lib = vm.runInContext(input.source + '\ngolessonsQuiz', ctx);
  Object.assign(lib.timing, input.timing);
  return { lib, ctx, protoBefore };
}

// clean reports whether a realm's Object.prototype is as it was.
function clean(b) {
  return vm.runInContext('Object.getOwnPropertyNames(Object.prototype).sort().join()', b.ctx) === b.protoBefore &&
    vm.runInContext('({}).answer === undefined && ({}).history === undefined && typeof ({}).toString === "function"', b.ctx);
}

function attempt(b, answer, correct) {
  return { answer, correct, time: b.lib.newAttemptTime() };
}

async function race(c) {
  const server = new Server(c.initial);
  const a = browser(server, c.a), b = browser(server, c.b);
  const saved = [], rounds = [], ids = c.ids;
  for (let i = 0; i < c.rounds; i++) {
    const qa = { id: ids[i % ids.length], question: 'Q ' + ids[i % ids.length], points: 1 };
    const qb = { id: ids[(i + 1) % ids.length], question: 'Q ' + ids[(i + 1) % ids.length], points: 1 };
    const ta = attempt(a, 'a-' + i, i % 2 === 0), tb = attempt(b, 'b-' + i, false);
    const docs = await Promise.all([
      a.lib.saveAttempt(srv, path, 'nb.ipynb', qa, ta), b.lib.saveAttempt(srv, path, 'nb.ipynb', qb, tb)]);
    saved.push({ id: qa.id, answer: ta.answer, time: ta.time }, { id: qb.id, answer: tb.answer, time: tb.time });
    rounds.push({ saved: saved.length, file: server.content,
      nullProto: docs.every(d => Object.getPrototypeOf(d.answers) === null) });
  }
  await sleep(c.wait);
  return { saved, rounds, final: server.content, clean: [a, b].map(clean),
    stats: { puts: server.puts, overlaps: server.overlaps, oddReads: server.oddReads } };
}

// damaged saves one attempt into each file of c.files.
async function damaged(c) {
  const out = [];
  for (const f of c.files) {
    const server = new Server(f.content);
    if (f.after) setTimeout(() => { server.content = f.after; server.mtime++; }, f.delay);
    const a = browser(server, {});
    let result;
    try {
      await a.lib.saveAttempt(srv, path, 'nb.ipynb', { id: 'q', question: 'Q', points: 1 }, attempt(a, 'x', true));
      result = 'saved';
    } catch (e) {
      result = e.damaged ? 'damaged: ' + e.message : 'error: ' + e.message;
    }
    out.push({ result, file: server.content, puts: server.puts });
  }
  return out;
}

const scenarios = { race, damaged };
scenarios[input.scenario](input).then(r => console.log(JSON.stringify(r)), e => { console.error(e); process.exit(1); });
`

// fastTiming makes the simulated rounds quick; the simulated network is
// faster still (at most a few milliseconds each way), as a LAN is next to
// the default delays.
var fastTiming = map[string]any{"settle": []int{5, 15}, "settleReads": 5, "verify": []int{40, 80}, "tries": 10, "late": []int{300, 500}}

type savedAttempt struct {
	ID     string `json:"id"`
	Answer string `json:"answer"`
	Time   string `json:"time"`
}

type raceResult struct {
	Saved  []savedAttempt `json:"saved"`
	Rounds []struct {
		Saved     int    `json:"saved"`
		File      string `json:"file"`
		NullProto bool   `json:"nullProto"`
	} `json:"rounds"`
	Final string         `json:"final"`
	Clean []bool         `json:"clean"`
	Stats map[string]int `json:"stats"`
}

// lacking returns the saved attempts that the answers file text lacks.
func lacking(t *testing.T, text string, saved []savedAttempt) []savedAttempt {
	t.Helper()
	a, err := answerfile.Parse([]byte(text), "answers file")
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	var out []savedAttempt
	for _, s := range saved {
		want, err := time.Parse(time.RFC3339Nano, s.Time)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		if r := a.Answers[s.ID]; r != nil {
			for _, h := range r.History {
				found = found || (h.Answer == s.Answer && h.Time.Equal(want))
			}
		}
		if !found {
			out = append(out, s)
		}
	}
	return out
}

// protoNames are question ids that name properties of Object.prototype.
var protoNames = []string{"constructor", "toString", "__proto__", "hasOwnProperty"}

func seededAnswers(t *testing.T) string {
	t.Helper()
	a := answerfile.New("nb.ipynb")
	old := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	a.Add("__proto__", answerfile.Attempt{Answer: "seeded proto", Time: old}, "Q __proto__", 1)
	a.Add("constructor", answerfile.Attempt{Answer: "seeded constructor", Correct: true, Time: old}, "Q constructor", 1)
	a.Add("q-other", answerfile.Attempt{Answer: "seeded other", Time: old}, "Q other", 1)
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestQuizScriptSavesEveryAttemptOfTwoBrowsersWithoutLocks(t *testing.T) {
	input := map[string]any{"scenario": "race", "source": quizScript, "timing": fastTiming,
		"initial": seededAnswers(t), "ids": protoNames, "rounds": 20, "wait": 1200,
		"a": map[string]any{"lag": 4}, "b": map[string]any{"lag": 4}}
	var got raceResult
	runQuizJS(t, saveHarness, input, &got)
	t.Logf("server: %v", got.Stats)
	if len(got.Saved) != 40 || len(got.Rounds) != 20 {
		t.Fatalf("%d attempts saved in %d rounds, want 40 in 20", len(got.Saved), len(got.Rounds))
	}
	// What a browser called saved is in the file when it says so, and at the end.
	for i, r := range got.Rounds {
		if miss := lacking(t, r.File, got.Saved[:r.Saved]); len(miss) > 0 {
			t.Errorf("round %d: saved, but the file lacks %+v", i, miss)
		}
		if !r.NullProto {
			t.Errorf("round %d: a document's answers has a prototype", i)
		}
	}
	seeded := []savedAttempt{{"__proto__", "seeded proto", "2025-01-02T03:04:05Z"},
		{"constructor", "seeded constructor", "2025-01-02T03:04:05Z"}, {"q-other", "seeded other", "2025-01-02T03:04:05Z"}}
	if miss := lacking(t, got.Final, append(seeded, got.Saved...)); len(miss) > 0 {
		t.Errorf("the final file lacks %+v", miss)
	}
	final, _ := answerfile.Parse([]byte(got.Final), "final")
	for _, id := range protoNames {
		r := final.Answers[id]
		n := 10
		if id == "__proto__" || id == "constructor" {
			n = 11
		}
		if r == nil || len(r.History) != n || r.Attempts != n || r.Question != "Q "+id {
			t.Errorf("%s: record %+v, want %d attempts", id, r, n)
		}
	}
	for i, c := range got.Clean {
		if !c {
			t.Errorf("browser %d: Object.prototype was changed", i)
		}
	}
}

func TestQuizScriptRepairsAWriteThatLandsAfterSaved(t *testing.T) {
	// Browser b's write stalls after its last check, longer than a's
	// verification waits: it lands on top of a's saved attempt. a's later
	// check must write that attempt again.
	input := map[string]any{"scenario": "race", "source": quizScript, "timing": fastTiming,
		"initial": nil, "ids": []string{"one", "two"}, "rounds": 1, "wait": 1200,
		"a": map[string]any{"lag": 1}, "b": map[string]any{"lag": 1, "stallPut": 1, "stall": 200}}
	var got raceResult
	runQuizJS(t, saveHarness, input, &got)
	if miss := lacking(t, got.Rounds[0].File, got.Saved); len(miss) != 1 || miss[0].Answer != "a-0" {
		t.Fatalf("the stalled write did not land after a's save as planned: missing %+v", miss)
	}
	if miss := lacking(t, got.Final, got.Saved); len(miss) > 0 {
		t.Errorf("the final file lacks %+v:\n%s", miss, got.Final)
	}
}

func TestQuizScriptLeavesDamagedFilesAlone(t *testing.T) {
	good := `{"version": 1, "notebook": "nb.ipynb", "answers": {"constructor": {"answer": "old", "time": "2025-01-01T00:00:00Z"}}}`
	files := []map[string]any{
		{"content": "{oops"},
		{"content": `{"answers": {"constructor": 5}}`},
		{"content": `{"answers": []}`},
		{"content": `[1, 2]`},
		// Empty or half written for a moment (being written), then whole.
		{"content": "", "after": good, "delay": 20},
		{"content": `{"version": 1, "notebook": "nb.ip`, "after": good, "delay": 20},
	}
	var got []struct {
		Result string `json:"result"`
		File   string `json:"file"`
		Puts   int    `json:"puts"`
	}
	runQuizJS(t, saveHarness, map[string]any{"scenario": "damaged", "source": quizScript, "timing": fastTiming, "files": files}, &got)
	for i, g := range got[:4] {
		if !strings.HasPrefix(g.Result, "damaged: ") || g.Puts != 0 || g.File != files[i]["content"] {
			t.Errorf("file %q: %s, %d writes, now %q; want it reported as damaged and left alone", files[i]["content"], g.Result, g.Puts, g.File)
		}
	}
	if !strings.Contains(got[1].Result, `the answer to "constructor" is not a record`) {
		t.Errorf("got %q", got[1].Result)
	}
	for i, g := range got[4:] {
		a, err := answerfile.Parse([]byte(g.File), "f")
		if g.Result != "saved" || err != nil || a.Answers["constructor"] == nil || a.Answers["q"] == nil {
			t.Errorf("file %d, read while being written: %s, now %q (%v); want the old answer kept and the new one added", i+4, g.Result, g.File, err)
		}
	}
}

func TestQuizScriptAttemptTimes(t *testing.T) {
	var got struct {
		Times []string `json:"times"`
		Same  int      `json:"same"`
	}
	runQuizJS(t, `globalThis.window = {};
const times = [];
for (let i = 0; i < 2000; i++) times.push(golessonsQuiz.newAttemptTime());
// One attempt written with three and with nine digits is one attempt.
const same = golessonsQuiz.mergeRecords({ answer: 'x', history: [{ answer: 'x', time: '2025-01-01T10:00:00.5Z' }] },
  { answer: 'x', history: [{ answer: 'x', time: '2025-01-01T10:00:00.500000000Z' }] }).history.length;
console.log(JSON.stringify({ times, same }));`, nil, &got)
	if got.Same != 1 {
		t.Errorf("one attempt written two ways merges into %d", got.Same)
	}
	nine := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$`)
	var prev time.Time
	for i, s := range got.Times {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil || !nine.MatchString(s) {
			t.Fatalf("time %q: %v; want RFC 3339 with nine fractional digits", s, err)
		}
		if i > 0 && !v.After(prev) {
			t.Fatalf("time %d (%s) is not after the one before (%s)", i, s, prev.Format(time.RFC3339Nano))
		}
		if d := time.Since(v); d < -time.Second || d > time.Minute {
			t.Fatalf("time %s is %v away from now", s, d)
		}
		prev = v
	}
}

// TestQuizScriptAnswersVersions: the script writes the schema version
// package answerfile writes; a file without "version" (version 1) gets
// the attempt and "version"; a file of a newer version is neither read
// nor written, and says so; a version that is no whole number is damage.
func TestQuizScriptAnswersVersions(t *testing.T) {
	var version int
	runQuizJS(t, `console.log(JSON.stringify(golessonsQuiz.answersVersion));`, nil, &version)
	if version != answerfile.Version {
		t.Fatalf("the script writes answers file version %d, package answerfile %d", version, answerfile.Version)
	}
	old := `{"notebook": "nb.ipynb", "answers": {"constructor": {"answer": "old", "time": "2025-01-01T00:00:00Z"}}}`
	newer := `{"version": 2, "notebook": "nb.ipynb", "answers": {}}`
	files := []map[string]any{{"content": old}, {"content": newer}, {"content": `{"version": "1", "answers": {}}`}, {"content": `{"version": 0.5, "answers": {}}`}}
	var got []struct {
		Result string `json:"result"`
		File   string `json:"file"`
		Puts   int    `json:"puts"`
	}
	runQuizJS(t, saveHarness, map[string]any{"scenario": "damaged", "source": quizScript, "timing": fastTiming, "files": files}, &got)
	a, err := answerfile.Parse([]byte(got[0].File), "f")
	if got[0].Result != "saved" || err != nil || a.Answers["constructor"] == nil || a.Answers["q"] == nil ||
		!strings.Contains(got[0].File, fmt.Sprintf(`"version": %d`, answerfile.Version)) {
		t.Errorf("a file without a version: %s, now %q (%v); want the attempt added and the version written", got[0].Result, got[0].File, err)
	}
	if g := got[1]; !strings.Contains(g.Result, "written by newer lessons (answers file version 2") || g.Puts != 0 || g.File != newer {
		t.Errorf("a newer file: %s, %d writes, now %q; want it refused and left alone", g.Result, g.Puts, g.File)
	}
	for _, g := range got[2:] {
		if !strings.HasPrefix(g.Result, `damaged: "version" must be a whole number`) || g.Puts != 0 {
			t.Errorf("a bad version: %s, %d writes", g.Result, g.Puts)
		}
	}
}

// TestScriptKnowsEveryKind: the script has one object per question type of
// package quiz's table, with the same input, and the grading table above
// (TestScriptGradesLikeGo) has questions of every type.
func TestScriptKnowsEveryKind(t *testing.T) {
	var got map[string]struct {
		Input string `json:"input"`
		Grade bool   `json:"grade"`
		Read  bool   `json:"read"`
		Show  bool   `json:"show"`
		Desc  bool   `json:"describe"`
	}
	runQuizJS(t, `const out = {};
for (const [name, k] of Object.entries(golessonsQuiz.types)) {
  out[name] = { input: k.input, grade: typeof k.grade === 'function', read: typeof k.read === 'function',
    show: typeof k.show === 'function', describe: typeof k.describe === 'function' };
}
console.log(JSON.stringify(out));`, nil, &got)
	covered := map[quiz.Type]int{}
	for _, c := range gradeCases {
		covered[mustQuestion(t, c.json).Type] += len(c.answers)
	}
	for _, k := range quiz.Kinds() {
		js, ok := got[string(k.Type)]
		switch {
		case !ok:
			t.Errorf("the script has no object for the type %q", k.Type)
		case js.Input != string(k.Input) || !js.Grade || !js.Read || !js.Show || !js.Desc:
			t.Errorf("the script's %q: %+v, want input %q and grade, read, show, describe", k.Type, js, k.Input)
		}
		if covered[k.Type] < 5 {
			t.Errorf("the grading table has %d answers to %q questions; give it some", covered[k.Type], k.Type)
		}
		delete(got, string(k.Type))
	}
	for name := range got {
		t.Errorf("the script has an object for %q, a type package quiz does not know", name)
	}
}

// TestScriptKeys: which keys pressed in a widget go on to JupyterLab's
// shortcuts. Plain keys never do (command mode's "a", "b", "d d" would
// insert and delete cells); modifier shortcuts do (Ctrl+S saves), except
// those editing an answer needs.
func TestScriptKeys(t *testing.T) {
	type key struct {
		Key                    string `json:"key"`
		Ctrl, Meta, Alt, Shift bool
		IsComposing            bool `json:"isComposing"`
		InText                 bool `json:"inText"`
		Want                   bool `json:"-"`
	}
	keys := []key{
		{Key: "s", Ctrl: true, InText: true, Want: true},
		{Key: "s", Meta: true, Want: true},
		{Key: "S", Ctrl: true, Shift: true, InText: true, Want: true},
		{Key: "C", Ctrl: true, Shift: true, Want: true},
		{Key: "b", Ctrl: true, InText: true, Want: true},
		{Key: "ArrowUp", Alt: true, Want: true},
		{Key: "Escape", InText: true, Want: true},
		{Key: "Escape", Want: true},
		{Key: "a", InText: true}, {Key: "a"}, {Key: "b"}, {Key: "d"}, {Key: "A", Shift: true},
		{Key: " "}, {Key: "1"}, {Key: "Enter"}, {Key: "Tab"}, {Key: "ArrowDown"}, {Key: "Backspace", InText: true},
		{Key: "Enter", Shift: true}, {Key: "Enter", Ctrl: true}, {Key: "Enter", Alt: true}, {Key: "Enter", Meta: true},
		{Key: "a", Ctrl: true, InText: true}, {Key: "c", Ctrl: true}, {Key: "v", Meta: true, InText: true},
		{Key: "x", Ctrl: true, InText: true}, {Key: "z", Ctrl: true, InText: true}, {Key: "Z", Ctrl: true, Shift: true, InText: true},
		{Key: "y", Ctrl: true, InText: true}, {Key: "ArrowLeft", Ctrl: true, InText: true}, {Key: "Backspace", Ctrl: true, InText: true},
		{Key: "@", Ctrl: true, Alt: true, InText: true}, // AltGr+Q on a German keyboard
		{Key: "é", Alt: true, InText: true},             // Option+E, E on a Mac
		{Key: "a", IsComposing: true, InText: true},
	}
	var got []bool
	runQuizJS(t, `console.log(JSON.stringify(input.map(k => golessonsQuiz.toJupyterLab(
  { key: k.key, ctrlKey: k.Ctrl, metaKey: k.Meta, altKey: k.Alt, shiftKey: k.Shift, isComposing: k.isComposing }, k.inText))));`, keys, &got)
	for i, k := range keys {
		if got[i] != k.Want {
			t.Errorf("%+v: goes to JupyterLab %v, want %v", k, got[i], k.Want)
		}
	}
}
