// Quiz widget of the lessons (see helpers/quiz.go).
//
// Each question's output carries this library and one call to
// golessonsQuiz.mount(root, data). The widget checks answers in the page and
// saves them with the Jupyter server's contents API, so it needs neither the
// kernel nor GoNB's comms and keeps working after the cell's program exits.
//
// normalize, grade and mergeRecords do exactly what package quiz does in Go
// (Normalize, Question.Grade, MergeRecords); helpers/quiz_js_test.go checks
// both against the same table.
//
// This file must not contain the two characters "<" and "/" next to each
// other, so that it can sit inside an HTML script element.
var golessonsQuiz = (function () {
  'use strict';

  var SPACE = '\\s\\u0085';
  var QUOTES = /["'`\u201c\u201d\u2018\u2019\u201e\u201a\u00ab\u00bb\u2039\u203a]/g;
  var EDGE = new RegExp('^[' + SPACE + '.,;:!?\u2026]+|[' + SPACE + '.,;:!?\u2026]+$', 'g');
  var SPACES = new RegExp('[' + SPACE + ']+');
  var TRIM = new RegExp('^[' + SPACE + ']+|[' + SPACE + ']+$', 'g');
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

  // normalize: quotes and backticks removed, space and sentence punctuation
  // trimmed from both ends, inner space runs made one space, lower case.
  function normalize(s, matchCase) {
    s = String(s == null ? '' : s).replace(QUOTES, '').replace(EDGE, '');
    s = s.split(SPACES).filter(function (w) { return w !== ''; }).join(' ');
    return matchCase ? s : lower(s);
  }

  // lower lower-cases one code point at a time, as Go's strings.ToLower does
  // (no final sigma; \u0130 becomes a plain i).
  function lower(s) {
    return Array.from(s).map(function (c) { return Array.from(c.toLowerCase())[0]; }).join('');
  }

  function levenshtein(a, b) {
    var ra = Array.from(a), rb = Array.from(b);
    var prev = [], cur = [], i, j;
    for (j = 0; j <= rb.length; j++) prev[j] = j;
    for (i = 1; i <= ra.length; i++) {
      cur = [i];
      for (j = 1; j <= rb.length; j++) {
        var cost = ra[i - 1] === rb[j - 1] ? 0 : 1;
        cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      }
      prev = cur;
    }
    return prev[rb.length];
  }

  function similarity(a, b) {
    var n = Math.max(Array.from(a).length, Array.from(b).length);
    return n === 0 ? 1 : 1 - levenshtein(a, b) / n;
  }

  function parseNumber(s) {
    s = String(s).replace(TRIM, '');
    if (!NUMBER.test(s)) return null;
    var f = Number(s);
    return isFinite(f) ? f : null;
  }

  // grade returns {correct, feedback} for an answer; see Question.Grade.
  function grade(q, answer) {
    var none = { correct: false, feedback: q.defaultFeedback || '' };
    var i;
    switch (q.type) {
      case 'freeform': {
        if (normalize(answer, false) === '') return none;
        var ts = q.textAnswers || [];
        for (i = 0; i < ts.length; i++) {
          var t = ts[i];
          var a = normalize(answer, t.matchCase), want = normalize(t.text, t.matchCase);
          if (a === want || (t.fuzzy > 0 && similarity(a, want) >= t.fuzzy)) {
            return { correct: !!t.correct, feedback: t.feedback || '' };
          }
        }
        return none;
      }
      case 'true_false': {
        var v = normalize(answer, false);
        if (v !== 'true' && v !== 'false') return none;
        return { correct: v === String(q.answer).toLowerCase(), feedback: q.defaultFeedback || '' };
      }
      case 'multiple_choice': {
        var key = String(answer).trim().toLowerCase();
        for (i = 0; i < q.options.length; i++) {
          if (q.options[i].key.toLowerCase() === key) {
            return { correct: !!q.options[i].correct, feedback: q.options[i].feedback || '' };
          }
        }
        return none;
      }
      case 'many_choice': {
        var chosen = {}, feedback = [], any = false;
        var parts = String(answer).split(',');
        for (i = 0; i < parts.length; i++) {
          var k = parts[i].trim().toLowerCase();
          if (k === '') continue;
          var found = false;
          for (var j = 0; j < q.options.length; j++) {
            var o = q.options[j];
            if (o.key.toLowerCase() === k) {
              if (!chosen[o.key] && o.feedback) feedback.push(o.feedback);
              chosen[o.key] = true;
              found = any = true;
            }
          }
          if (!found) return none;
        }
        if (!any) return none;
        var right = q.options.every(function (o) { return !!o.correct === !!chosen[o.key]; });
        return { correct: right, feedback: feedback.join(' ') };
      }
      case 'numeric': {
        var x = parseNumber(answer);
        if (x === null) return { correct: false, feedback: 'Enter a number, such as 3.14.' };
        if (q.precision > 0) x = Number(x.toPrecision(q.precision));
        var ns = q.numbers || [];
        for (i = 0; i < ns.length; i++) {
          var n = ns[i];
          var match = n.isRange ? (x >= n.min && x <= n.max)
            : Math.abs(x - n.value) <= 1e-9 * Math.max(1, Math.abs(n.value));
          if (match) return { correct: !!n.correct, feedback: n.feedback || '' };
        }
        return none;
      }
    }
    return { correct: false, feedback: '' };
  }

  // mergeRecords combines two records of one question; see quiz.MergeRecords.
  function mergeRecords(a, b) {
    if (!a && !b) return null;
    var hist = [], seen = {}, attempts = 0, question, points;
    [a, b].forEach(function (r) {
      if (!r) return;
      var entries = Array.isArray(r.history) && r.history.length ? r.history
        : (r.time ? [{ answer: r.answer, correct: r.correct, time: r.time }] : []);
      entries.forEach(function (h) {
        var k = Date.parse(h.time) + '\u0000' + h.answer + '\u0000' + !!h.correct;
        if (!seen[k]) {
          seen[k] = true;
          hist.push({ answer: String(h.answer), correct: !!h.correct, time: h.time });
        }
      });
      attempts = Math.max(attempts, r.attempts | 0);
      if (r.question) question = r.question;
      if (typeof r.points === 'number') points = r.points;
    });
    hist.sort(function (x, y) { return Date.parse(x.time) - Date.parse(y.time); });
    var out = { answer: a ? a.answer : b.answer, correct: false, time: undefined, attempts: Math.max(attempts, hist.length) };
    if (hist.length) {
      var last = hist[hist.length - 1];
      out.answer = last.answer; out.correct = last.correct; out.time = last.time;
    } else {
      out.answer = (b || a).answer; out.correct = !!(b || a).correct;
    }
    if (question !== undefined) out.question = question;
    if (points !== undefined) out.points = points;
    out.history = hist;
    return out;
  }

  // ---- Talking to the Jupyter server ------------------------------------

  function pageConfig() {
    var el = document.getElementById('jupyter-config-data');
    if (el) {
      try { return JSON.parse(el.textContent || '{}'); } catch (e) { }
    }
    return null;
  }

  function server() {
    var cfg = pageConfig();
    var base = (cfg && cfg.baseUrl) || (document.body && document.body.dataset && document.body.dataset.baseUrl) || '';
    if (!cfg && !base) return null; // not inside Jupyter (an exported HTML page, a viewer)
    if (!base) base = '/';
    if (base.charAt(base.length - 1) !== '/') base += '/';
    var headers = {};
    if (cfg && cfg.token) headers.Authorization = 'token ' + cfg.token;
    var m = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
    if (m) headers['X-XSRFToken'] = decodeURIComponent(m[1]);
    return { base: base, headers: headers };
  }

  function contentsURL(srv, path) {
    return srv.base + 'api/contents/' + path.split('/').map(encodeURIComponent).join('/');
  }

  function answersPathFor(notebookPath) {
    return notebookPath.replace(/\.ipynb$/, '') + '.answers.json';
  }

  function DamagedError(msg) { this.message = msg; this.damaged = true; }
  DamagedError.prototype = Object.create(Error.prototype);

  // readAnswers returns the answers document at path, a new one when the file
  // does not exist, or throws (DamagedError for a malformed file).
  async function readAnswers(srv, path, notebook) {
    var res = await fetch(contentsURL(srv, path) + '?type=file&format=text&content=1&t=' + Date.now(),
      { headers: srv.headers, credentials: 'same-origin', cache: 'no-store' });
    if (res.status === 404) return newDoc(notebook);
    if (!res.ok) throw new Error('the Jupyter server answered ' + res.status + ' ' + res.statusText);
    var model = await res.json();
    var text = typeof model.content === 'string' ? model.content : '';
    if (text.trim() === '') return newDoc(notebook);
    var doc;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new DamagedError(e.message);
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc) ||
      (doc.answers !== undefined && (typeof doc.answers !== 'object' || doc.answers === null || Array.isArray(doc.answers)))) {
      throw new DamagedError('it is not an answers file (no "answers" object)');
    }
    doc.answers = doc.answers || {};
    for (var id in doc.answers) {
      var r = doc.answers[id];
      if (!r || typeof r !== 'object' || typeof r.answer !== 'string') {
        throw new DamagedError('the answer to ' + id + ' is not a record');
      }
    }
    return doc;
  }

  function newDoc(notebook) {
    return { version: 1, notebook: notebook || '', answers: {} };
  }

  async function writeAnswers(srv, path, doc) {
    var res = await fetch(contentsURL(srv, path), {
      method: 'PUT',
      headers: Object.assign({ 'Content-Type': 'application/json' }, srv.headers),
      credentials: 'same-origin',
      body: JSON.stringify({ type: 'file', format: 'text', content: JSON.stringify(doc, null, 2) + '\n' })
    });
    if (!res.ok) throw new Error('the Jupyter server answered ' + res.status + ' ' + res.statusText);
  }

  // resolvePath finds the answers file of the notebook holding this widget:
  // the notebook of the session running the kernel that drew it, else the
  // one open notebook with the same name, else the path the kernel computed.
  async function resolvePath(srv, root) {
    var kernelId = root.getAttribute('data-kernel-id') || '';
    var name = root.getAttribute('data-notebook') || '';
    try {
      var res = await fetch(srv.base + 'api/sessions', { headers: srv.headers, credentials: 'same-origin', cache: 'no-store' });
      if (res.ok) {
        var sessions = await res.json();
        var byKernel = sessions.filter(function (s) { return kernelId && s.kernel && s.kernel.id === kernelId && s.path; });
        if (byKernel.length) return answersPathFor(byKernel[0].path);
        var byName = sessions.filter(function (s) {
          return name && s.path && s.path.split('/').pop() === name;
        });
        if (byName.length === 1) return answersPathFor(byName[0].path);
      }
    } catch (e) { }
    return root.getAttribute('data-answers-path') || '';
  }

  // Saves to one file never overlap. The Jupyter server rewrites a file in
  // place, so two writes at the same moment can interleave: across the tabs
  // of a browser, a Web Lock keeps them apart; within a page (where every
  // widget has its own copy of this library) a queue on window does, for
  // browsers without Web Locks.
  function exclusive(srv, path, fn) {
    var name = 'golessons-quiz:' + srv.base + path;
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request(name, fn);
    }
    var queues = window.golessonsQuizQueues || (window.golessonsQuizQueues = {});
    var prev = queues[name] || Promise.resolve();
    var next = prev.then(fn, fn);
    queues[name] = next.catch(function () { });
    return next;
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // saveAttempt adds one attempt to the answers file and returns the saved
  // record. It reads, merges, writes, then reads again to check that the
  // attempt is there (another browser may have written in between) and
  // merges again if not. A file that was fine before this write and is
  // damaged just after it was spoilt by a simultaneous write: it is written
  // again from what was read. A file damaged before any write is reported
  // (DamagedError) and left alone.
  async function saveAttempt(srv, path, notebook, q, attempt) {
    var lastGood = null;
    for (var i = 0; i < 5; i++) {
      var doc;
      try {
        doc = await readAnswers(srv, path, notebook);
      } catch (e) {
        if (!(e && e.damaged && lastGood)) throw e;
        doc = lastGood;
      }
      var rec = { answer: attempt.answer, correct: attempt.correct, time: attempt.time, attempts: 1,
        question: q.question, points: q.points, history: [attempt] };
      doc.answers[q.id] = mergeRecords(doc.answers[q.id], rec);
      if (!doc.version) doc.version = 1;
      if (!doc.notebook) doc.notebook = notebook;
      await writeAnswers(srv, path, doc);
      lastGood = doc;
      var check;
      try {
        check = await readAnswers(srv, path, notebook);
      } catch (e) {
        if (!(e && e.damaged)) throw e;
        await sleep(50 + Math.random() * 200);
        continue;
      }
      var r = check.answers[q.id];
      var kept = r && (r.history || []).some(function (h) {
        return h.time === attempt.time && h.answer === attempt.answer;
      });
      if (kept) return r;
      await sleep(50 + Math.random() * 200);
    }
    throw new Error('other tabs kept overwriting the answers file');
  }

  // ---- The widget ---------------------------------------------------------

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function formatTime(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? '' : d.toLocaleString();
  }

  function mount(root, q) {
    if (!root || root.getAttribute('data-gq-ready') === 'true') return;
    var form = root.querySelector('.gq-form');
    var feedback = root.querySelector('.gq-feedback');
    var saved = root.querySelector('.gq-saved');
    var saveStatus = root.querySelector('.gq-save-status');
    var hint = root.querySelector('.gq-hint');
    var nojs = root.querySelector('.gq-nojs');
    var input = root.querySelector('.gq-input');
    var tfButtons = Array.prototype.slice.call(root.querySelectorAll('.gq-tf'));
    var choices = Array.prototype.slice.call(root.querySelectorAll('.gq-option input'));
    var srv = server();
    var pathPromise = srv ? resolvePath(srv, root) : Promise.resolve('');

    Array.prototype.forEach.call(root.querySelectorAll('input, button'), function (e) { e.disabled = false; });
    if (nojs) nojs.parentNode.removeChild(nojs);
    // Keys typed in the widget are the widget's, not JupyterLab's shortcuts.
    root.addEventListener('keydown', function (ev) { ev.stopPropagation(); });

    function setSave(state, text) {
      root.setAttribute('data-save-state', state);
      if (saveStatus) saveStatus.textContent = text;
    }

    function optionLabel(key) {
      for (var i = 0; i < choices.length; i++) {
        if (choices[i].value === key) {
          var label = choices[i].closest('.gq-option');
          var t = label && label.querySelector('.gq-text');
          var k = label && label.querySelector('.gq-key');
          return (k ? k.textContent + ' ' : '') + (t ? t.textContent : key);
        }
      }
      return key;
    }

    function describe(answer) {
      if (q.type === 'multiple_choice') return optionLabel(answer);
      if (q.type === 'many_choice') {
        return answer.split(',').filter(Boolean).map(optionLabel).join('; ');
      }
      return answer;
    }

    function current() {
      if (choices.length) {
        return choices.filter(function (c) { return c.checked; }).map(function (c) { return c.value; }).join(',');
      }
      return input ? input.value.trim() : '';
    }

    function select(answer) {
      if (choices.length) {
        var keys = String(answer).split(',');
        choices.forEach(function (c) { c.checked = keys.indexOf(c.value) >= 0; });
      } else if (input) {
        input.value = answer;
      }
      tfButtons.forEach(function (b) {
        b.setAttribute('aria-pressed', String(b.getAttribute('data-answer').toLowerCase() === String(answer).toLowerCase()));
      });
    }

    function showSaved(rec) {
      if (!saved || !rec) return;
      var when = formatTime(rec.time);
      saved.textContent = 'Your saved answer: ' + describe(rec.answer) + ' (' +
        (rec.correct ? 'correct' : 'not correct') +
        (rec.attempts > 1 ? ', ' + rec.attempts + ' attempts' : '') +
        (when ? ', ' + when : '') + ')';
      saved.hidden = false;
    }

    function markOptions(answer, result) {
      var keys = String(answer).split(',');
      choices.forEach(function (c) {
        var label = c.closest('.gq-option');
        if (!label) return;
        label.classList.remove('gq-chosen-correct', 'gq-chosen-wrong');
        if (keys.indexOf(c.value) >= 0) label.classList.add(result.correct ? 'gq-chosen-correct' : 'gq-chosen-wrong');
      });
    }

    function show(answer, result) {
      root.setAttribute('data-state', result.correct ? 'correct' : 'incorrect');
      feedback.className = 'gq-feedback ' + (result.correct ? 'gq-correct' : 'gq-incorrect');
      feedback.textContent = '';
      feedback.appendChild(el('p', 'gq-verdict', result.correct ? '\u2714 Correct!' : '\u2718 Not quite. Try again.'));
      if (result.feedback) feedback.appendChild(el('p', 'gq-detail', result.feedback));
      if (result.correct && q.explanation) feedback.appendChild(el('p', 'gq-explanation', q.explanation));
      if (!result.correct && hint) hint.open = true;
      markOptions(answer, result);
    }

    function ask(msg) {
      root.setAttribute('data-state', 'empty');
      feedback.className = 'gq-feedback';
      feedback.textContent = '';
      feedback.appendChild(el('p', 'gq-verdict', msg));
    }

    async function save(attempt) {
      var path = await pathPromise;
      if (!path) {
        setSave('unavailable', 'Checked here, but not saved: this page is not connected to a Jupyter server that knows the notebook.');
        return;
      }
      setSave('saving', 'Saving\u2026');
      var notebook = root.getAttribute('data-notebook') || '';
      try {
        var rec = await exclusive(srv, path, function () {
          return saveAttempt(srv, path, notebook, q, attempt);
        });
        showSaved(rec);
        setSave('saved', 'Saved in ' + path + '.');
      } catch (e) {
        if (e && e.damaged) {
          setSave('error', 'Your answer was checked but not saved: the answers file ' + path + ' is damaged (' +
            e.message + '). Ask your teacher to fix or remove it.');
        } else {
          setSave('error', 'Checked, but not saved: ' + (e && e.message ? e.message : e) + '. Check again to retry.');
        }
      }
    }

    function submit(answer) {
      if (answer === '') {
        ask(choices.length ? 'Choose an answer first.' : 'Type an answer first.');
        return;
      }
      var result = grade(q, answer);
      show(answer, result);
      save({ answer: answer, correct: result.correct, time: new Date().toISOString() });
    }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      submit(current());
    });
    tfButtons.forEach(function (b) {
      b.addEventListener('click', function () {
        select(b.getAttribute('data-answer'));
        submit(b.getAttribute('data-answer'));
      });
    });

    root.setAttribute('data-gq-ready', 'true');
    if (!srv) {
      setSave('unavailable', 'Answers are checked here but saved only in JupyterLab.');
      return;
    }
    setSave('loading', '');
    pathPromise.then(function (path) {
      if (!path) {
        setSave('unavailable', 'Checked here, but not saved: the notebook\u2019s path is unknown.');
        return;
      }
      return readAnswers(srv, path, '').then(function (doc) {
        var rec = doc.answers[q.id];
        if (rec) {
          select(rec.answer);
          showSaved(rec);
        } else if (saved) {
          // What the kernel read when it drew the widget is out of date.
          saved.textContent = '';
          saved.hidden = true;
        }
        setSave('idle', '');
      });
    }).catch(function (e) {
      if (e && e.damaged) {
        pathPromise.then(function (path) {
          setSave('error', 'The answers file ' + path + ' is damaged (' + e.message +
            '), so answers are checked but not saved. Ask your teacher to fix or remove it.');
        });
      } else {
        setSave('idle', '');
      }
    });
  }

  return { normalize: normalize, grade: grade, mergeRecords: mergeRecords, parseNumber: parseNumber, mount: mount };
})();
