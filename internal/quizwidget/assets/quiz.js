// Quiz widget of the lessons (see helpers/quiz.go).
//
// Each question's output carries this library and one call to
// golessonsQuiz.mount(root, data). The widget checks answers in the page and
// saves them with the Jupyter server's contents API, so it needs neither the
// kernel nor GoNB's comms and keeps working after the cell's program exits.
//
// normalize, grade and mergeRecords do exactly what Go does (quiz.Normalize,
// quiz.Question.Grade, answerfile.MergeRecords); quiz_script_test.go
// checks both against the same table, and runs the saving below against a
// simulated Jupyter server. The data a widget gets is sealed (quiz.Seal): no
// right answer, feedback or explanation in readable form; grade opens what
// the student's answer opens, and the explanation only for a right answer.
//
// A question id may be any name, "constructor" or "__proto__" too: answers
// are kept in objects without a prototype and in Maps, never looked up in
// plain objects.
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

  // ---- Sealed answers -----------------------------------------------------
  //
  // The page holds no right answer, feedback or explanation in readable form:
  // each question comes sealed, as package quiz's Seal describes (quiz/seal.go),
  // with salted SHA-256 digests of the answers it knows and boxes that only
  // the matching answer opens. SHA-256 is computed here in plain JavaScript:
  // crypto.subtle exists only in secure contexts, which a classroom hub
  // served over plain http is not.

  var K256 = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2];

  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }

  // sha256 returns the SHA-256 digest (32 bytes) of an array of bytes.
  function sha256(msg) {
    var n = msg.length, len = (((n + 8) >> 6) + 1) << 6;
    var m = new Uint8Array(len), w = new Array(64), i, t;
    m.set(msg);
    m[n] = 0x80;
    for (i = 0, t = n * 8; i < 8; i++, t = Math.floor(t / 256)) m[len - 1 - i] = t & 0xff;
    var hs = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    for (var off = 0; off < len; off += 64) {
      for (t = 0; t < 16; t++) {
        i = off + 4 * t;
        w[t] = (m[i] << 24) | (m[i + 1] << 16) | (m[i + 2] << 8) | m[i + 3];
      }
      for (t = 16; t < 64; t++) {
        var x = w[t - 15], y = w[t - 2];
        w[t] = (w[t - 16] + (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) + w[t - 7] + (rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10))) | 0;
      }
      var a = hs[0], b = hs[1], c = hs[2], d = hs[3], e = hs[4], f = hs[5], g = hs[6], h = hs[7];
      for (t = 0; t < 64; t++) {
        var t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[t] + w[t]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      hs[0] = (hs[0] + a) | 0; hs[1] = (hs[1] + b) | 0; hs[2] = (hs[2] + c) | 0; hs[3] = (hs[3] + d) | 0;
      hs[4] = (hs[4] + e) | 0; hs[5] = (hs[5] + f) | 0; hs[6] = (hs[6] + g) | 0; hs[7] = (hs[7] + h) | 0;
    }
    var out = new Uint8Array(32);
    for (i = 0; i < 32; i++) out[i] = (hs[i >> 2] >>> (24 - 8 * (i & 3))) & 0xff;
    return out;
  }

  // utf8 encodes a string as Go does a string converted from it: a lone
  // surrogate becomes U+FFFD.
  function utf8(s) {
    var out = [];
    Array.from(String(s)).forEach(function (ch) {
      var c = ch.codePointAt(0);
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    });
    return out;
  }

  // fromUtf8 decodes bytes as UTF-8; null when they are not.
  function fromUtf8(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    try { return decodeURIComponent(escape(s)); } catch (e) { return null; }
  }

  var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

  // unbase64 decodes standard base64 (as Go's encoding/json writes []byte).
  function unbase64(s) {
    var out = [], acc = 0, bits = 0;
    String(s || '').replace(/=+$/, '').split('').forEach(function (ch) {
      var v = B64.indexOf(ch);
      if (v < 0) return;
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) { bits -= 8; out.push((acc >> bits) & 0xff); }
    });
    return out;
  }

  // digest is SHA-256(salt, label, 0x00, text).
  function digest(salt, label, text) {
    return sha256(salt.concat(utf8(label), [0], utf8(text)));
  }

  // unseal XORs data with the keystream SHA-256(key, counter), counter a
  // 4-byte big-endian block number.
  function unseal(key, data) {
    var out = new Array(data.length), block = null;
    for (var i = 0; i < data.length; i++) {
      if (i % 32 === 0) {
        var ctr = i / 32;
        block = sha256(Array.from(key).concat([(ctr >>> 24) & 0xff, (ctr >>> 16) & 0xff, (ctr >>> 8) & 0xff, ctr & 0xff]));
      }
      out[i] = data[i] ^ block[i % 32];
    }
    return out;
  }

  function sameBytes(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // sealed reads a question's sealed data into {salt, entries, hashes}.
  function sealed(q) {
    var salt = unbase64(q.salt);
    var entries = (q.entries || []).map(function (e) {
      return { h: e.h ? unbase64(e.h) : null, o: e.o ? unbase64(e.o) : null, m: !!e.m, z: e.z || 0, s: unbase64(e.s) };
    });
    return {
      salt: salt, entries: entries,
      set: q.set ? { h: unbase64(q.set.h), s: unbase64(q.set.s) } : null,
      match: function (n) { return digest(salt, 'match', n); },
      plain: function (i) { return fromUtf8(unseal(digest(salt, 'plain ' + i, ''), entries[i].o)) || ''; },
      // open decodes the box of an entry an answer matched (n: the answer as
      // compared): {correct, feedback, explanation}.
      open: function (label, n, e) {
        var p = unseal(digest(salt, label, n), e.s);
        if (p.length < 33) return { correct: false, feedback: '', explanation: '' };
        var r = { correct: p[0] === 1, feedback: fromUtf8(p.slice(33)) || '', explanation: '' };
        if (r.correct && q.explanation) r.explanation = fromUtf8(unseal(p.slice(1, 33), unbase64(q.explanation))) || '';
        return r;
      }
    };
  }

  // ---- Question types -----------------------------------------------------
  //
  // One object per question type, as package quiz has one Kind per type
  // (quiz/kind_*.go); quiz_script_test.go checks that both know the same
  // types, with the same input, and grade alike. Each object has:
  //
  //   input: how the widget takes an answer (quiz.Input: the HTML comes
  //     from Go);
  //   grade(q, s, answer, none): {correct, feedback, explanation} from the
  //     question's sealed data s (see sealed), as quiz.Sealed.Grade does;
  //     none is the result for an answer no entry matches;
  //   read(ui): the answer in the widget's inputs ('' for none yet);
  //   show(ui, answer): puts an answer back in the inputs;
  //   describe(ui, answer): the answer as the student reads it.
  //
  // ui is what answerInputs finds in the widget.

  // option finds the option whose key is part (any case, space trimmed):
  // {i: its entry, key: lower-cased}, or null.
  function option(s, part) {
    var k = lower(String(part).trim()), h = s.match(k);
    for (var j = 0; j < s.entries.length; j++) {
      if (s.entries[j].h && sameBytes(h, s.entries[j].h)) return { i: j, key: k };
    }
    return null;
  }

  // How answers are read and shown, by input.
  var TEXT = {
    read: function (ui) { return ui.input ? ui.input.value.trim() : ''; },
    show: function (ui, answer) { if (ui.input) ui.input.value = answer; },
    describe: function (ui, answer) { return answer; }
  };
  var OPTIONS = {
    read: function (ui) {
      return ui.choices.filter(function (c) { return c.checked; }).map(function (c) { return c.value; }).join(',');
    },
    show: function (ui, answer) {
      var keys = String(answer).split(',');
      ui.choices.forEach(function (c) { c.checked = keys.indexOf(c.value) >= 0; });
    },
    describe: function (ui, answer) { return String(answer).split(',').filter(Boolean).map(ui.optionLabel).join('; '); }
  };

  function kind(input, methods, gradeFn, ungraded) {
    return Object.assign({ input: input, grade: gradeFn, ungraded: !!ungraded }, methods);
  }

  var TYPES = Object.create(null);

  // A reflection is kept, never graded (quiz.Reflection).
  TYPES.reflection = kind('long_text', TEXT, function () {
    return { correct: false, feedback: '', explanation: '' };
  }, true);

  TYPES.freeform = kind('text', TEXT, function (q, s, answer, none) {
    if (normalize(answer, false) === '') return none;
    for (var i = 0; i < s.entries.length; i++) {
      var e = s.entries[i], a = normalize(answer, e.m);
      if (e.o) {
        var want = s.plain(i);
        if (a === want || similarity(a, want) >= e.z) return s.open('box ' + i, want, e);
      } else if (sameBytes(s.match(a), e.h)) {
        return s.open('box ' + i, a, e);
      }
    }
    return none;
  });

  TYPES.true_false = kind('true_false', {
    read: function () { return ''; }, // each button submits its own answer
    show: function (ui, answer) {
      ui.tfButtons.forEach(function (b) {
        b.setAttribute('aria-pressed', String(lower(b.getAttribute('data-answer')) === lower(String(answer))));
      });
    },
    describe: TEXT.describe
  }, function (q, s, answer, none) {
    var a = normalize(answer, false);
    for (var i = 0; i < s.entries.length; i++) {
      if (sameBytes(s.match(a), s.entries[i].h)) {
        var r = s.open('box ' + i, a, s.entries[i]);
        r.feedback = q.defaultFeedback || '';
        return r;
      }
    }
    return none;
  });

  TYPES.multiple_choice = kind('one_option', OPTIONS, function (q, s, answer, none) {
    var o = option(s, answer);
    return o ? s.open('box ' + o.i, o.key, s.entries[o.i]) : none;
  });

  TYPES.many_choice = kind('options', OPTIONS, function (q, s, answer, none) {
    var chosen = [], seen = new Set(), feedback = [];
    var parts = String(answer).split(',');
    for (var i = 0; i < parts.length; i++) {
      if (parts[i].trim() === '') continue;
      var c = option(s, parts[i]);
      if (!c) return none;
      if (seen.has(c.key)) continue;
      seen.add(c.key);
      chosen.push(c.key);
      var fb = s.open('box ' + c.i, c.key, s.entries[c.i]).feedback;
      if (fb) feedback.push(fb);
    }
    if (!chosen.length) return none;
    var out = { correct: false, feedback: feedback.join(' '), explanation: '' };
    var set = chosen.sort().join(',');
    if (s.set && sameBytes(s.match(set), s.set.h)) {
      var rs = s.open('box set', set, s.set);
      out.correct = rs.correct;
      out.explanation = rs.explanation;
    }
    return out;
  });

  TYPES.numeric = kind('number', TEXT, function (q, s, answer, none) {
    var x = parseNumber(answer);
    if (x === null) return { correct: false, feedback: 'Enter a number, such as 3.14.', explanation: '' };
    if (q.precision > 0) x = Number(x.toPrecision(q.precision));
    for (var i = 0; i < s.entries.length; i++) {
      var text = s.plain(i), v;
      try { v = JSON.parse(text); } catch (err) { continue; }
      if (!Array.isArray(v) || v.length !== 4) continue;
      var match = v[0] ? (x >= v[2] && x <= v[3])
        : Math.abs(x - v[1]) <= 1e-9 * Math.max(1, Math.abs(v[1]));
      if (match) return s.open('box ' + i, text, s.entries[i]);
    }
    return none;
  });

  // typeOf returns the object of q's type; an unknown type (a page from newer
  // lessons) grades nothing right and reads its inputs as text.
  function typeOf(q) {
    return own(TYPES, q.type) || kind('text', TEXT, function () { return { correct: false, feedback: '', explanation: '' }; });
  }

  // grade returns {correct, feedback, explanation} for an answer, from the
  // question's sealed data; see Question.Grade and Sealed.Grade. The
  // explanation is decoded only for a right answer ('' otherwise).
  function grade(q, answer) {
    var none = { correct: false, feedback: q.defaultFeedback || '', explanation: '' };
    return typeOf(q).grade(q, sealed(q), answer, none);
  }

  // ---- Records and attempts -----------------------------------------------

  function hasOwn(o, k) { return o != null && Object.prototype.hasOwnProperty.call(o, k); }

  // own returns o[k] when o holds k itself (never from a prototype), else null.
  function own(o, k) { return hasOwn(o, k) ? o[k] : null; }

  // Times are ISO 8601 strings with up to nine fractional digits (the widget
  // writes nine, see newAttemptTime). timeParts returns [milliseconds since
  // 1970, nanoseconds within that millisecond], so that comparing and telling
  // attempts apart works to the nanosecond, as Go's time.Time does.
  var FRACTION = /^(.*T\d\d:\d\d:\d\d)[.,](\d+)(.*)$/;
  function timeParts(s) {
    s = String(s);
    var m = FRACTION.exec(s), sub = 0;
    if (m) {
      var digits = (m[2] + '000000000').slice(0, 9);
      s = m[1] + '.' + digits.slice(0, 3) + m[3];
      sub = Number(digits.slice(3));
    }
    return [Date.parse(s), sub];
  }

  function compareTimes(x, y) {
    return (x[0] - y[0]) || (x[1] - y[1]);
  }

  // attemptKey is what makes an attempt itself: its time, answer and result.
  function attemptKey(h) {
    return timeParts(h.time).join('.') + '\u0000' + String(h.answer) + '\u0000' + !!h.correct;
  }

  // entriesOf returns a record's attempts: its history, or the record itself
  // when it has no history but a time.
  function entriesOf(r) {
    if (!r) return [];
    if (Array.isArray(r.history) && r.history.length) return r.history;
    return r.time ? [{ answer: r.answer, correct: r.correct, time: r.time }] : [];
  }

  // mergeRecords combines two records of one question; see answerfile.MergeRecords.
  function mergeRecords(a, b) {
    if (!a && !b) return null;
    var hist = [], seen = new Set(), attempts = 0, question, points;
    [a, b].forEach(function (r) {
      if (!r) return;
      entriesOf(r).forEach(function (h) {
        var k = attemptKey(h);
        if (!seen.has(k)) {
          seen.add(k);
          hist.push({ answer: String(h.answer), correct: !!h.correct, time: h.time });
        }
      });
      attempts = Math.max(attempts, r.attempts | 0);
      if (r.question) question = r.question;
      if (typeof r.points === 'number') points = r.points;
    });
    hist = hist.map(function (h) { return { h: h, t: timeParts(h.time) }; })
      .sort(function (x, y) { return compareTimes(x.t, y.t); })
      .map(function (x) { return x.h; });
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

  // newAttemptTime returns the time of a new attempt: ISO 8601 with nine
  // fractional digits, the clock's milliseconds and then six random digits,
  // so that two browsers' attempts in the same millisecond stay two attempts.
  // Within a page, times only go forward.
  function newAttemptTime() {
    var clock = window.golessonsQuizClock || (window.golessonsQuizClock = { ms: 0, sub: 0 });
    var ms = Date.now(), sub = Math.floor(Math.random() * 1e6);
    if (ms < clock.ms || (ms === clock.ms && sub <= clock.sub)) {
      ms = clock.ms;
      sub = clock.sub + 1;
      if (sub >= 1e6) { ms++; sub = 0; }
    }
    clock.ms = ms; clock.sub = sub;
    return new Date(ms).toISOString().replace('Z', String(1e6 + sub).slice(1) + 'Z');
  }

  // ---- Answers documents --------------------------------------------------

  // ANSWERS_VERSION is the schema version of the answers file written here;
  // package answerfile (answerfile.Version) writes the same, and its
  // documentation gives the rules: no "version" is version 1; a newer
  // version is not read and never written over.
  var ANSWERS_VERSION = 1;

  function DamagedError(msg) { this.message = msg; this.damaged = true; }
  DamagedError.prototype = Object.create(Error.prototype);

  // NewerError is an answers file of a newer schema version: written by
  // newer lessons, so neither read nor written here.
  function NewerError(v) {
    this.message = 'it was written by newer lessons (answers file version ' + v + '; these lessons know ' + ANSWERS_VERSION + ')';
    this.newer = true;
  }
  NewerError.prototype = Object.create(Error.prototype);

  function newDoc(notebook) {
    return { version: ANSWERS_VERSION, notebook: notebook || '', answers: Object.create(null) };
  }

  // checkVersion throws unless v, a file's "version", is one this script
  // reads.
  function checkVersion(v) {
    if (v === undefined || v === null) return;
    if (typeof v !== 'number' || v < 1 || Math.floor(v) !== v) throw new DamagedError('"version" must be a whole number from 1 up');
    if (v > ANSWERS_VERSION) throw new NewerError(v);
  }

  // parseDoc reads the text of an answers file (see package answerfile); blank text
  // is an empty document. Its "answers" has no prototype, so any question id
  // is an ordinary key. A file that is no answers file throws DamagedError.
  function parseDoc(text, notebook) {
    if (String(text).trim() === '') return newDoc(notebook);
    var doc;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new DamagedError(e.message);
    }
    var src = own(doc, 'answers');
    if (!doc || typeof doc !== 'object' || Array.isArray(doc) ||
      (hasOwn(doc, 'answers') && (!src || typeof src !== 'object' || Array.isArray(src)))) {
      throw new DamagedError('it is not an answers file (no "answers" object)');
    }
    checkVersion(own(doc, 'version'));
    var answers = Object.create(null);
    Object.keys(src || {}).forEach(function (id) {
      var r = src[id];
      if (id.trim() === '') throw new DamagedError('an answer has an empty question id');
      if (!r || typeof r !== 'object' || Array.isArray(r) || typeof r.answer !== 'string') {
        throw new DamagedError('the answer to ' + JSON.stringify(id) + ' is not a record');
      }
      answers[id] = r;
    });
    doc.answers = answers;
    return doc;
  }

  function copyDoc(doc) {
    return parseDoc(JSON.stringify(doc), doc.notebook);
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

  // readFile asks for the answers file, with its text when content is true:
  // {text, stamp}. text is null when there is no file; stamp tells versions
  // of the file apart (last_modified and size), '' when the server gives none.
  async function readFile(srv, path, content) {
    var res = await fetch(contentsURL(srv, path) + '?type=file&format=text&content=' + (content ? 1 : 0) + '&t=' + Date.now(),
      { headers: srv.headers, credentials: 'same-origin', cache: 'no-store' });
    if (res.status === 404) return { text: null, stamp: 'none' };
    if (!res.ok) throw new Error('the Jupyter server answered ' + res.status + ' ' + res.statusText);
    var model = await res.json();
    return {
      text: typeof model.content === 'string' ? model.content : '',
      stamp: model.last_modified ? model.last_modified + ' ' + model.size : ''
    };
  }

  async function writeFile(srv, path, doc) {
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

  // ---- Saving -------------------------------------------------------------
  //
  // The Jupyter server has no conditional write (no If-Match), and writes a
  // file in place, so a reader may see it empty or half written, and two
  // writes at once may leave it mixed. Web Locks would keep writers apart,
  // but only within one browser and only on a secure origin (not on a hub
  // served over http:// on a LAN address). So a save does not rely on them:
  //
  //  - The page keeps every attempt it knows of, per answers file: its own,
  //    and every one it has read in the file. An attempt is its time (with
  //    random digits past the millisecond, see newAttemptTime), answer and
  //    result, so merging is a set union, ordered by time.
  //  - A save round reads the file, merges in every attempt the page knows
  //    of, checks that the file has not changed since it was read (its
  //    last_modified), writes, waits a random while, and reads it again. It
  //    ends only when a read shows every attempt the page knows of; else it
  //    merges and writes again, a bounded number of times.
  //  - A widget says "Saved" only after such a read. A while after a round
  //    that wrote, the file is checked again, in case a slow writer from
  //    another browser wrote over it; what is missing is written again.
  //  - A file that is empty or damaged is read again a few times first (it
  //    may be being written). Damaged for good, it is reported and never
  //    written, unless this round wrote it just before: then simultaneous
  //    writes spoilt it, and it is written again.
  //
  // Web Locks, where there are, still keep the tabs of one browser apart.

  // Delays in milliseconds, as [least, most]; tests may change them.
  var timing = {
    settle: [40, 120], // between reads of a file that looks empty or damaged
    settleReads: 5, // reads before such a file is believed
    verify: [150, 300], // after a write, before reading the file back
    tries: 10, // reads before giving up
    late: [1500, 2500] // after a round that wrote, before checking again
  };

  function jitter(range, scale) {
    return (range[0] + Math.random() * (range[1] - range[0])) * (scale || 1);
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function noop() { }

  // fileState is what the page knows of one answers file, shared by all the
  // widgets of the page (each carries its own copy of this library).
  function fileState(srv, path) {
    var files = window.golessonsQuizFiles || (window.golessonsQuizFiles = new Map());
    var key = srv.base + '\u0000' + path;
    if (!files.has(key)) {
      files.set(key, { known: new Map(), busy: null, next: null, late: null, listeners: new Set() });
    }
    return files.get(key);
  }

  // learn adds the attempts of rec, a record of question id, to what the
  // page knows.
  function learn(f, id, rec) {
    var k = f.known.get(id);
    if (!k) {
      k = { attempts: new Map(), count: 0 };
      f.known.set(id, k);
    }
    entriesOf(rec).forEach(function (h) {
      var key = attemptKey(h);
      if (!k.attempts.has(key)) k.attempts.set(key, { answer: String(h.answer), correct: !!h.correct, time: h.time });
    });
    k.count = Math.max(k.count, rec.attempts | 0);
    if (rec.question) k.question = rec.question;
    if (typeof rec.points === 'number') k.points = rec.points;
  }

  function learnDoc(f, doc) {
    Object.keys(doc.answers).forEach(function (id) { learn(f, id, doc.answers[id]); });
  }

  // withKnown merges every attempt the page knows of into doc.
  function withKnown(f, doc, notebook) {
    f.known.forEach(function (k, id) {
      if (!k.attempts.size) return;
      var rec = { answer: '', correct: false, attempts: k.count, history: Array.from(k.attempts.values()) };
      if (k.question) rec.question = k.question;
      if (k.points !== undefined) rec.points = k.points;
      doc.answers[id] = mergeRecords(own(doc.answers, id), rec);
    });
    doc.version = ANSWERS_VERSION;
    if (!doc.notebook) doc.notebook = notebook;
    return doc;
  }

  // missing returns the ids of the questions with an attempt the page knows
  // of that doc lacks.
  function missing(f, doc) {
    var out = new Set();
    f.known.forEach(function (k, id) {
      var have = new Set(entriesOf(own(doc.answers, id)).map(attemptKey));
      k.attempts.forEach(function (a, key) {
        if (!have.has(key)) out.add(id);
      });
    });
    return out;
  }

  // readSettled reads and parses the answers file: {doc, stamp, spoilt}. A
  // file that looks empty or damaged is read again a few times first (it may
  // be being written). fallback, when given, is what this round wrote last:
  // it stands in for a file that stays damaged (spoilt is then true, and the
  // file must be written again); without one, that throws DamagedError, after
  // twice as many reads, so that the writers who spoilt it can mend it first.
  async function readSettled(srv, path, notebook, fallback) {
    var reads = fallback ? timing.settleReads : 2 * timing.settleReads;
    for (var i = 1; ; i++) {
      var file = await readFile(srv, path, true);
      if (file.text === null) return { doc: newDoc(notebook), stamp: file.stamp };
      var last = i >= reads;
      if (file.text.trim() !== '' || last) {
        try {
          return { doc: parseDoc(file.text, notebook), stamp: file.stamp };
        } catch (e) {
          if (!e.damaged || (last && !fallback)) throw e;
          if (last) return { doc: copyDoc(fallback), stamp: file.stamp, spoilt: true };
        }
      }
      await sleep(jitter(timing.settle, Math.min(i, 3)));
    }
  }

  async function changedSince(srv, path, stamp) {
    if (!stamp) return false;
    var now = await readFile(srv, path, false);
    return !!now.stamp && now.stamp !== stamp;
  }

  // saveRound makes the answers file hold every attempt the page knows of,
  // as the comment above says, and returns {doc: the file as last read,
  // wrote: whether it wrote}. When it gives up, the error's "missing" holds
  // the questions whose attempts the file lacks.
  async function saveRound(srv, path, notebook, f) {
    var wrote = null, lost = null;
    for (var i = 0; i < timing.tries; i++) {
      var got = await readSettled(srv, path, notebook, wrote);
      learnDoc(f, got.doc);
      lost = got.spoilt ? new Set(f.known.keys()) : missing(f, got.doc);
      if (!lost.size) return { doc: got.doc, wrote: !!wrote };
      var doc = withKnown(f, got.doc, notebook);
      if (await changedSince(srv, path, got.stamp)) {
        await sleep(jitter(timing.settle));
        continue;
      }
      await writeFile(srv, path, doc);
      wrote = doc;
      await sleep(jitter(timing.verify, 1 + i / 2));
    }
    var e = new Error('the answers file kept changing (is this notebook open in another browser too?)');
    e.missing = lost;
    throw e;
  }

  function exclusive(srv, path, fn) {
    var locks = typeof navigator !== 'undefined' && navigator.locks;
    if (locks && locks.request) return locks.request('golessons-quiz:' + srv.base + path, fn);
    return fn();
  }

  // flush runs a save round for the file that starts after this call (rounds
  // of a page run one at a time) and returns the file's verified document.
  // Every widget of the file hears the outcome.
  function flush(srv, path, notebook, f) {
    if (f.next) return f.next;
    var p = (f.busy || Promise.resolve()).catch(noop).then(function () {
      if (f.next === p) f.next = null;
      return exclusive(srv, path, function () { return saveRound(srv, path, notebook, f); });
    }).then(function (r) {
      if (r.wrote) checkLater(srv, path, notebook, f);
      f.listeners.forEach(function (fn) { fn(null, r.doc); });
      return r.doc;
    }, function (e) {
      f.listeners.forEach(function (fn) { fn(e, null); });
      throw e;
    });
    f.next = f.busy = p;
    return p;
  }

  function checkLater(srv, path, notebook, f) {
    clearTimeout(f.late);
    f.late = setTimeout(function () { flush(srv, path, notebook, f).catch(noop); }, jitter(timing.late));
  }

  function recordOf(q, attempt) {
    return { answer: attempt.answer, correct: attempt.correct, time: attempt.time, attempts: 1,
      question: q.question, points: q.points, history: [attempt] };
  }

  // saveAttempt records one attempt at question q and saves it in the answers
  // file at path; it returns the file's document once it holds the attempt.
  function saveAttempt(srv, path, notebook, q, attempt) {
    var f = fileState(srv, path);
    if (attempt) learn(f, q.id, recordOf(q, attempt));
    return flush(srv, path, notebook, f);
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

  // failureText says why an answer was not saved in the answers file at path
  // (attempted: the student has checked an answer) and what to do.
  function failureText(e, path, attempted) {
    if (e && e.newer) {
      return (attempted ? 'Your answer was checked but not saved: the answers file ' : 'Answers are checked but not saved: the answers file ') +
        path + ' ' + e.message + '. Ask your teacher to update the lessons.';
    }
    if (e && e.damaged) {
      return attempted
        ? 'Your answer was checked but not saved: the answers file ' + path + ' is damaged (' + e.message + '). Ask your teacher to fix or remove it.'
        : 'The answers file ' + path + ' is damaged (' + e.message + '), so answers are checked but not saved. Ask your teacher to fix or remove it.';
    }
    return 'Checked, but not saved: ' + (e && e.message ? e.message : e) + '. Check again, or retry saving.';
  }

  // connect ties a widget to its answers file. ui.setSave(state, text, retry)
  // shows the save state (retry: offer to save again), ui.showSaved(record)
  // the saved answer, ui.loaded(record) what was saved before the page
  // opened. It returns save(attempt), which save(null) retries.
  function connect(root, q, srv, ui) {
    var notebook = root.getAttribute('data-notebook') || '';
    var seq = 0, attempted = false, state = 'none', f = null;
    function set(s, text, retry) {
      state = s;
      ui.setSave(s, text, retry ? function () { save(null); } : null);
    }
    function failed(e, path) {
      var mendable = !(e && (e.newer || e.damaged));
      set('error', failureText(e, path, attempted), mendable);
    }
    function heard(path) {
      return function (err, doc) {
        if (doc) {
          var rec = own(doc.answers, q.id);
          if (rec) ui.showSaved(rec);
          if (state === 'error') set(attempted ? 'saved' : 'idle', attempted ? 'Saved in ' + path + '.' : '');
        } else if (state === 'saved' && (!err.missing || err.missing.has(q.id))) {
          failed(err, path);
        }
      };
    }
    var ready = srv ? resolvePath(srv, root).then(function (path) {
      if (path) {
        f = fileState(srv, path);
        f.listeners.add(heard(path));
      }
      return path;
    }) : Promise.resolve('');

    async function save(attempt) {
      var path = await ready;
      if (!path) {
        set('unavailable', 'Checked here, but not saved: this page is not connected to a Jupyter server that knows the notebook.');
        return;
      }
      var mine = ++seq;
      if (attempt) attempted = true;
      set('saving', 'Saving\u2026');
      try {
        var doc = await saveAttempt(srv, path, notebook, q, attempt);
        if (mine !== seq) return; // a later save tells
        var rec = own(doc.answers, q.id);
        if (rec) ui.showSaved(rec);
        set('saved', 'Saved in ' + path + '.');
      } catch (e) {
        if (mine === seq) failed(e, path);
      }
    }

    if (!srv) {
      set('unavailable', 'Answers are checked here but saved only in JupyterLab.');
      return save;
    }
    set('loading', '');
    ready.then(function (path) {
      if (!path) {
        set('unavailable', 'Checked here, but not saved: the notebook\u2019s path is unknown.');
        return;
      }
      return readSettled(srv, path, notebook, null).then(function (got) {
        learnDoc(f, got.doc);
        if (!attempted) ui.loaded(own(got.doc.answers, q.id));
        if (state === 'loading') set('idle', '');
      });
    }).catch(function (e) {
      if (e && (e.damaged || e.newer)) {
        ready.then(function (path) { if (state === 'loading' || state === 'idle') failed(e, path); });
      } else if (state === 'loading') {
        set('idle', '');
      }
    });
    return save;
  }

  // answerInputs reads and sets the answer in a widget's inputs (option
  // buttons, a text box, or the True/False buttons) as its type says.
  function answerInputs(root, q) {
    var ui = {
      input: root.querySelector('.gq-input'),
      tfButtons: Array.prototype.slice.call(root.querySelectorAll('.gq-tf')),
      choices: Array.prototype.slice.call(root.querySelectorAll('.gq-option input')),
      optionLabel: function (key) {
        for (var i = 0; i < ui.choices.length; i++) {
          if (ui.choices[i].value === key) {
            var label = ui.choices[i].closest('.gq-option');
            var t = label && label.querySelector('.gq-text');
            var k = label && label.querySelector('.gq-key');
            return (k ? k.textContent + ' ' : '') + (t ? t.textContent : key);
          }
        }
        return key;
      }
    };
    var type = typeOf(q);

    return {
      choices: ui.choices,
      tfButtons: ui.tfButtons,
      ungraded: type.ungraded,
      describe: function (answer) { return type.describe(ui, answer); },
      current: function () { return type.read(ui); },
      select: function (answer) { type.show(ui, answer); },
      mark: function (answer, result) {
        var keys = String(answer).split(',');
        ui.choices.forEach(function (c) {
          var label = c.closest('.gq-option');
          if (!label) return;
          label.classList.remove('gq-chosen-correct', 'gq-chosen-wrong');
          if (keys.indexOf(c.value) >= 0) label.classList.add(result.correct ? 'gq-chosen-correct' : 'gq-chosen-wrong');
        });
      }
    };
  }

  // statusView shows the save state and the saved answer: the ui of connect.
  function statusView(root, inputs) {
    var saved = root.querySelector('.gq-saved');
    var saveStatus = root.querySelector('.gq-save-status');

    function showSaved(rec) {
      if (!saved || !rec) return;
      var when = formatTime(rec.time);
      saved.textContent = 'Your saved answer: ' + inputs.describe(String(rec.answer)) + ' (' +
        (inputs.ungraded ? 'not graded' : rec.correct ? 'correct' : 'not correct') +
        (rec.attempts > 1 ? ', ' + rec.attempts + ' attempts' : '') +
        (when ? ', ' + when : '') + ')';
      saved.hidden = false;
    }

    return {
      showSaved: showSaved,
      setSave: function (state, text, retry) {
        root.setAttribute('data-save-state', state);
        if (!saveStatus) return;
        saveStatus.textContent = text;
        if (retry) {
          var b = el('button', 'gq-retry', 'Retry saving');
          b.type = 'button';
          b.addEventListener('click', retry);
          saveStatus.appendChild(document.createTextNode(' '));
          saveStatus.appendChild(b);
        }
      },
      loaded: function (rec) {
        if (rec) {
          inputs.select(rec.answer);
          showSaved(rec);
        } else if (saved) {
          // What the kernel read when it drew the widget is out of date.
          saved.textContent = '';
          saved.hidden = true;
        }
      }
    };
  }

  // ---- Keys ---------------------------------------------------------------
  //
  // JupyterLab handles keys where they reach the document, after the widget
  // (it listens in the bubbling phase). The notebook's command-mode
  // shortcuts are plain keys ("a" inserts a cell above, "d d" deletes one):
  // typed in the widget, they must stop there. Keys with a modifier are
  // JupyterLab's (Ctrl+S saves, Ctrl+Shift+C opens the command palette),
  // except those that editing an answer needs.
  var EDIT_KEYS = /^(a|c|v|x|y|z|arrowleft|arrowright|arrowup|arrowdown|backspace|delete|home|end)$/;
  // With Shift too (redo, paste as plain text, select by word or line);
  // Ctrl+Shift+C (the command palette) is not one.
  var SHIFT_EDIT_KEYS = /^(v|z|arrowleft|arrowright|arrowup|arrowdown|backspace|delete|home|end)$/;

  // toJupyterLab reports whether a key pressed in the widget goes on to
  // JupyterLab's shortcuts (inText: it was pressed in a text box):
  //
  //  - Escape does (JupyterLab's command mode, closing its dialogs);
  //  - so does a key with Ctrl, Cmd or Alt, except Enter with any of them
  //    (in the widget Enter checks the answer; running the cell again would
  //    redraw the widget), Ctrl or Cmd with A, C, V, X, Y, Z, an arrow,
  //    Backspace, Delete, Home or End (select, copy, paste, undo, move in
  //    the text; with Shift only V, Z and the moves), and in a text box a character typed with AltGr or Option
  //    (which the browser reports with Alt);
  //  - every other key (letters, digits, space, Enter, Tab, arrows) stays in
  //    the widget, as do keys while an input method composes a character.
  function toJupyterLab(ev, inText) {
    var key = String(ev.key || '');
    if (ev.isComposing || ev.keyCode === 229) return false;
    if (key === 'Escape') return true;
    if (!(ev.ctrlKey || ev.metaKey || ev.altKey) || key === 'Enter') return false;
    if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && (ev.shiftKey ? SHIFT_EDIT_KEYS : EDIT_KEYS).test(key.toLowerCase())) return false;
    if (inText && ev.altKey && !ev.metaKey && Array.from(key).length === 1) return false;
    return true;
  }

  function mount(root, q) {
    if (!root || root.getAttribute('data-gq-ready') === 'true') return;
    var form = root.querySelector('.gq-form');
    var feedback = root.querySelector('.gq-feedback');
    var hint = root.querySelector('.gq-hint');
    var nojs = root.querySelector('.gq-nojs');
    var inputs = answerInputs(root, q);

    Array.prototype.forEach.call(root.querySelectorAll('input, button, textarea'), function (e) { e.disabled = false; });
    if (nojs) nojs.parentNode.removeChild(nojs);
    // Typing in the widget never triggers the notebook's shortcuts; the
    // shortcuts that go on to JupyterLab are those of toJupyterLab.
    root.addEventListener('keydown', function (ev) {
      var t = ev.target;
      if (!toJupyterLab(ev, !!(t && t.matches && t.matches('input[type=text], textarea')))) ev.stopPropagation();
    });

    function verdict(state, cls, lines) {
      root.setAttribute('data-state', state);
      feedback.className = 'gq-feedback' + (cls ? ' ' + cls : '');
      feedback.textContent = '';
      lines.forEach(function (l) { if (l[1]) feedback.appendChild(el('p', l[0], l[1])); });
    }

    var save = connect(root, q, server(), statusView(root, inputs));

    function submit(answer) {
      if (answer === '') {
        verdict('empty', '', [['gq-verdict', inputs.choices.length ? 'Choose an answer first.' : 'Type an answer first.']]);
        return;
      }
      if (inputs.ungraded) {
        verdict('kept', 'gq-kept', [['gq-verdict', '\u2714 Thank you. Your answer is not graded; your teacher can read it.']]);
        save({ answer: answer, correct: false, time: newAttemptTime() });
        return;
      }
      var result = grade(q, answer);
      verdict(result.correct ? 'correct' : 'incorrect', result.correct ? 'gq-correct' : 'gq-incorrect', [
        ['gq-verdict', result.correct ? '\u2714 Correct!' : '\u2718 Not quite. Try again.'],
        ['gq-detail', result.feedback],
        ['gq-explanation', result.correct && result.explanation]]);
      if (!result.correct && hint) hint.open = true;
      inputs.mark(answer, result);
      save({ answer: answer, correct: result.correct, time: newAttemptTime() });
    }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      submit(inputs.current());
    });
    inputs.tfButtons.forEach(function (b) {
      b.addEventListener('click', function () {
        inputs.select(b.getAttribute('data-answer'));
        submit(b.getAttribute('data-answer'));
      });
    });
    root.setAttribute('data-gq-ready', 'true');
  }

  return {
    normalize: normalize, grade: grade, types: TYPES, toJupyterLab: toJupyterLab, mergeRecords: mergeRecords, parseNumber: parseNumber, mount: mount, sha256: sha256,
    parseDoc: parseDoc, saveAttempt: saveAttempt, answersVersion: ANSWERS_VERSION, newAttemptTime: newAttemptTime, timing: timing
  };
})();
