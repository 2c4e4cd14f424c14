package offline

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestTokenizeExamples(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"How many times", []string{"How", " many", " tim", "es"}},
		{" Mongolian Bankhar", []string{" Mon", "gol", "ian", " Bank", "har"}},
		{"feeding", []string{"feed", "ing"}},
		{"**Tips**\n\n1. Feed", []string{"**", "Tips", "**", "\n\n", "1", ".", " Feed"}},
		{"|---|", []string{"|", "---", "|"}},
		{"at −30 °C", []string{"at", " −", "30", " °", "C"}},
		{"2025 dogs", []string{"202", "5", " dogs"}},
		{"guardian! 🐾", []string{"guar", "dian", "!", " 🐾"}},
		{"a  b", []string{"a", " ", " b"}},
		{"end  \nnext", []string{"end", "  ", "\n", "next"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := Tokenize(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// checkTokens asserts the properties every tokenization must have.
func checkTokens(t *testing.T, text string) {
	t.Helper()
	toks := Tokenize(text)
	if got := strings.Join(toks, ""); got != text {
		t.Fatalf("joined tokens differ from the text:\n got %q\nwant %q", got, text)
	}
	for _, tok := range toks {
		if tok == "" {
			t.Fatalf("empty token in %q", toks)
		}
		letters := 0
		for _, r := range strings.TrimLeft(tok, " \t") {
			if unicode.IsLetter(r) {
				letters++
			}
		}
		if letters > maxPiece {
			t.Errorf("token %q has %d letters, more than %d", tok, letters, maxPiece)
		}
	}
}

func TestTokenizeAnswers(t *testing.T) {
	for _, text := range []string{LessonAnswer, LessonReasoning, OtherAnswer, OtherReasoning} {
		checkTokens(t, text)
		n := len(Tokenize(text))
		words := len(strings.Fields(text))
		// A BPE tokenizer gives about 1.3 to 2 tokens per English word.
		if n < words || n > 3*words {
			t.Errorf("%d tokens for %d words: not like a BPE tokenizer", n, words)
		}
	}
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{LessonAnswer, "a  b\r\n\tc", "👩‍👩‍👧 family 👍🏽", "x\u0301y", "$$5.00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		checkTokens(t, s)
	})
}

func BenchmarkTokenize(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(LessonAnswer)))
	for b.Loop() {
		Tokenize(LessonAnswer)
	}
}
