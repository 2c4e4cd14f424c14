package quiz

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// Sealing: the quiz widget grades answers in the page, without the kernel and
// after the cell's program has exited, but the page must not carry the right
// answers, the explanation or the feedback in readable form. Seal turns a
// Question into the data the widget's script gets; the script
// (internal/quizwidget/assets/quiz.js) grades with it exactly as Question.Grade does, and
// so does Sealed.Grade here (internal/quizwidget/quiz_script_test.go checks all three
// agree).
//
// Every hash is SHA-256 (in the page a small pure-JavaScript SHA-256, since
// crypto.subtle needs a secure context, which a plain-http classroom hub is
// not), over a random salt made for each question each time it is shown:
//
//	digest(label, text) = SHA-256(salt ‖ label ‖ 0x00 ‖ UTF-8 text)
//	seal(key, data)     = data XOR (SHA-256(key ‖ 0) ‖ SHA-256(key ‖ 1) ‖ ...)
//
// (the counter is 4 bytes, big-endian). Each answer the question knows (a
// freeform answer, right or wrong; "true" and "false"; each option's key,
// lower-cased) is an entry, in the order Grade tries them:
//
//   - h: digest("match", n), where n is the answer as it is compared:
//     Normalize'd (case kept for match_case answers), or the option key
//     lower-cased;
//   - s: seal(digest("box <i>", n), flag ‖ K ‖ feedback), where i is the
//     entry's index, flag is 1 for a right answer and 0 for a wrong one, K is
//     32 bytes and feedback is the entry's feedback in UTF-8.
//
// K is the question's explanation key: 32 random bytes in the boxes of right
// answers, other random bytes in the boxes of wrong ones. The explanation is
// seal(K, explanation). So the page shows which entry an answer matches only
// to someone who has that answer, and the explanation only to someone who has
// a right answer: the script decodes the box of the entry that matched and,
// when its flag says right, the explanation with its K. Right and wrong boxes
// look alike (same layout, random bytes), so nothing tells them apart without
// the answer.
//
// A many_choice question also has a set entry: n is the right option keys,
// lower-cased, sorted and joined by ","; its box holds flag 1 and K. An
// answer is right when its chosen keys, the same way, make that n. The
// options' own boxes hold only their feedback (flag 0).
//
// Answers compared by distance cannot be hashed: a freeform answer with
// "fuzzy_threshold" (jupyterquiz) and numeric values and ranges. Such an
// entry has o: seal(digest("plain <i>", ""), the normalised text or the
// number as JSON [isRange, value, min, max]) instead of h, and its box is
// keyed with that text. They are not readable in the page, but anyone who
// runs the script can decode them: they are obfuscated, not hidden.
//
// Limits. This keeps the answers out of a student's sight, not out of reach
// of a student who sets out to find them: the page holds what it needs to
// tell right from wrong, so a student who runs the script's functions in the
// browser's developer tools can try each option (or True and False) in
// seconds, and short freeform answers with a list of likely words. The
// question's source in the notebook (collapsed in a lesson) holds the answer
// too. Grades that count come from the gradebook, which regrades every saved
// answer with the lesson's questions.
type Sealed struct {
	// Version is the sealing scheme's version (SealVersion).
	Version int `json:"v"`
	// ID, Type, Question and Points are the question's, for the answers file.
	ID       string  `json:"id"`
	Type     Type    `json:"type"`
	Question string  `json:"question"`
	Points   float64 `json:"points"`
	// Salt is the random salt of every digest.
	Salt []byte `json:"salt"`
	// Entries are the answers the question knows, in grading order: a
	// freeform question's answers, "true" and "false", each option, each
	// numeric value or range.
	Entries []SealedEntry `json:"entries,omitempty"`
	// Set is a many_choice question's right set of options.
	Set *SealedEntry `json:"set,omitempty"`
	// Precision is a numeric question's rounding (see Question.Precision).
	Precision int `json:"precision,omitempty"`
	// Explanation is seal(K, explanation); empty when there is none.
	Explanation []byte `json:"explanation,omitempty"`
	// DefaultFeedback is shown for any answer no entry matches, so it is
	// readable.
	DefaultFeedback string `json:"defaultFeedback,omitempty"`
}

// SealedEntry is one answer a sealed question knows (see Sealed).
type SealedEntry struct {
	// Hash is digest("match", n), for an answer compared exactly.
	Hash []byte `json:"h,omitempty"`
	// Plain is the obfuscated text or number of an answer compared by
	// distance.
	Plain []byte `json:"o,omitempty"`
	// MatchCase compares a freeform answer with its case.
	MatchCase bool `json:"m,omitempty"`
	// Fuzzy is a freeform answer's similarity threshold.
	Fuzzy float64 `json:"z,omitempty"`
	// Box is seal(digest("box <i>", n), flag ‖ K ‖ feedback).
	Box []byte `json:"s"`
}

// SealVersion is the version of the sealing scheme Seal writes.
const SealVersion = 1

const (
	saltSize = 16
	keySize  = 32
)

// Seal returns the data the quiz widget grades q with, salted and keyed with
// bytes read from random (crypto/rand.Reader; a fixed stream in tests).
func Seal(q *Question, random io.Reader) (*Sealed, error) {
	w := &sealer{random: random, s: &Sealed{Version: SealVersion, ID: q.ID, Type: q.Type, Question: q.Text, Points: q.Points,
		Precision: q.Precision, DefaultFeedback: q.DefaultFeedback}}
	var err error
	if w.s.Salt, err = w.read(saltSize); err != nil {
		return nil, err
	}
	if w.key, err = w.read(keySize); err != nil {
		return nil, err
	}
	if err := w.entries(q); err != nil {
		return nil, err
	}
	if q.Explanation != "" {
		w.s.Explanation = seal(w.key, []byte(q.Explanation))
	}
	return w.s, nil
}

// sealer builds a Sealed with the key K, drawing the salt and keys from
// random.
type sealer struct {
	s      *Sealed
	random io.Reader
	key    []byte
}

// read returns the next n random bytes.
func (w *sealer) read(n int) ([]byte, error) {
	b := make([]byte, n)
	_, err := io.ReadFull(w.random, b)
	return b, err
}

// box seals one entry's flag, key (K, or random bytes for a wrong answer)
// and feedback.
func (w *sealer) box(label, n string, right bool, feedback string) ([]byte, error) {
	k := w.key
	if !right {
		var err error
		if k, err = w.read(keySize); err != nil {
			return nil, err
		}
	}
	plain := append([]byte{boolByte(right)}, k...)
	plain = append(plain, feedback...)
	return seal(digest(w.s.Salt, label, n), plain), nil
}

// exact adds an entry for the normalized answer n, compared exactly.
func (w *sealer) exact(n string, right bool, feedback string, matchCase bool) error {
	b, err := w.box("box "+strconv.Itoa(len(w.s.Entries)), n, right, feedback)
	if err != nil {
		return err
	}
	w.s.Entries = append(w.s.Entries, SealedEntry{Hash: w.digest("match", n), MatchCase: matchCase, Box: b})
	return nil
}

// obfuscated adds e for text, compared by distance, so kept obfuscated.
func (w *sealer) obfuscated(text string, right bool, feedback string, e SealedEntry) error {
	i := strconv.Itoa(len(w.s.Entries))
	b, err := w.box("box "+i, text, right, feedback)
	if err != nil {
		return err
	}
	e.Plain, e.Box = seal(w.digest("plain "+i, ""), []byte(text)), b
	w.s.Entries = append(w.s.Entries, e)
	return nil
}

func (w *sealer) digest(label, text string) []byte { return digest(w.s.Salt, label, text) }

// entries adds the entries of q's answers, in grading order.
func (w *sealer) entries(q *Question) error {
	k := q.Kind()
	if k == nil {
		return fmt.Errorf("quiz: cannot seal a %q question", q.Type)
	}
	return k.seal(w, q)
}

// Grade grades an answer with the sealed data alone, as the widget's script
// does, and returns the explanation too when the answer is right (else "").
// It agrees with Question.Grade on the question that was sealed.
func (s *Sealed) Grade(answer string) (Result, string) {
	if k := KindOf(s.Type); k != nil {
		return k.gradeSealed(s, answer)
	}
	return Result{}, ""
}

// plain decodes the i-th entry's obfuscated text.
func (s *Sealed) plain(i int) string {
	return string(seal(digest(s.Salt, "plain "+strconv.Itoa(i), ""), s.Entries[i].Plain))
}

// open decodes the box of an entry an answer matched, n being the answer as
// compared, and the explanation when the box says right.
func (s *Sealed) open(label, n string, e SealedEntry) (Result, string) {
	p := seal(digest(s.Salt, label, n), e.Box)
	if len(p) < 1+keySize {
		return Result{}, ""
	}
	r := Result{Correct: p[0] == 1, Feedback: string(p[1+keySize:])}
	if !r.Correct || len(s.Explanation) == 0 {
		return r, ""
	}
	expl := seal(p[1:1+keySize], s.Explanation)
	if !utf8.Valid(expl) {
		return r, ""
	}
	return r, string(expl)
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// digest is SHA-256(salt ‖ label ‖ 0x00 ‖ text).
func digest(salt []byte, label, text string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(label))
	h.Write([]byte{0})
	h.Write([]byte(text))
	return h.Sum(nil)
}

// seal XORs data with the keystream SHA-256(key ‖ 0), SHA-256(key ‖ 1), ...
// (a 4-byte big-endian counter); it also unseals.
func seal(key, data []byte) []byte {
	out := make([]byte, len(data))
	var block [sha256.Size]byte
	for i := range data {
		if i%sha256.Size == 0 {
			var ctr [4]byte
			binary.BigEndian.PutUint32(ctr[:], uint32(i/sha256.Size))
			block = sha256.Sum256(append(append([]byte(nil), key...), ctr[:]...))
		}
		out[i] = data[i] ^ block[i%sha256.Size]
	}
	return out
}
