package offline

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxPiece is the longest run of letters (or of one punctuation character)
// that Tokenize keeps in one token, leading space not counted.
const maxPiece = 4

// Tokenize splits text into pieces that look like a BPE tokenizer's output:
// a word of up to four letters with its leading space (" feed"), longer words
// in even pieces of two to four letters (" Mon", "gol", "ian"), digits in
// groups of up to three, runs of up to four of the same punctuation mark
// ("**", "---"), single other symbols and emoji, and runs of line breaks.
// Joining the pieces gives text back exactly.
func Tokenize(text string) []string {
	var out []string
	i := 0
	for i < len(text) {
		start := i
		switch text[i] {
		case '\n', '\r':
			i = span(text, i, "\n\r")
			out = append(out, text[start:i])
			continue
		case ' ', '\t':
			// Spaces before a word or a symbol join it, as in BPE; runs of
			// spaces other than the last form their own token.
			j := span(text, i, " \t")
			if j >= len(text) || text[j] == '\n' || text[j] == '\r' {
				out = append(out, text[i:j]) // trailing spaces
				i = j
				continue
			}
			if j-i > 1 {
				out = append(out, text[i:j-1])
				start = j - 1
			}
			i = j
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		var end int
		switch {
		case unicode.IsLetter(r) || unicode.IsMark(r):
			var n int
			end, n = wordEnd(text, i)
			out = appendEven(out, text[start:end], i-start, n)
			i = end
			continue
		case unicode.IsDigit(r):
			end = digitsEnd(text, i)
		case unicode.IsPunct(r) || unicode.IsSymbol(r) && r < 0x2000:
			end = i + size
			for n := 1; n < maxPiece && end < len(text); n++ {
				c, s := utf8.DecodeRuneInString(text[end:])
				if c != r {
					break
				}
				end += s
			}
		default:
			end = emojiEnd(text, i+size)
		}
		out = append(out, text[start:end])
		i = end
	}
	return out
}

// span returns the end of the run of bytes of set that starts at i.
func span(text string, i int, set string) int {
	for i < len(text) && strings.IndexByte(set, text[i]) >= 0 {
		i++
	}
	return i
}

// wordEnd returns the end of the word that starts at i (letters, marks and
// apostrophes) and how many runes it holds.
func wordEnd(text string, i int) (end, n int) {
	for end = i; end < len(text); n++ {
		c, s := utf8.DecodeRuneInString(text[end:])
		if !unicode.IsLetter(c) && !unicode.IsMark(c) && c != '\'' && c != '’' {
			break
		}
		end += s
	}
	return end, n
}

// digitsEnd returns the end of the group of up to three digits at i.
func digitsEnd(text string, i int) int {
	end := i
	for n := 0; end < len(text) && n < 3; n++ {
		c, s := utf8.DecodeRuneInString(text[end:])
		if !unicode.IsDigit(c) {
			break
		}
		end += s
	}
	return end
}

// emojiEnd returns the end of an emoji, other symbol or anything else whose
// first rune ends at end: with any variation selector, skin tone or joined
// emoji that follow it.
func emojiEnd(text string, end int) int {
	for end < len(text) {
		c, s := utf8.DecodeRuneInString(text[end:])
		if c == 0x200D && end+s < len(text) { // joiner: take the next rune too
			_, s2 := utf8.DecodeRuneInString(text[end+s:])
			end += s + s2
			continue
		}
		if c != 0xFE0F && (c < 0x1F3FB || c > 0x1F3FF) { // variation selector, skin tone
			break
		}
		end += s
	}
	return end
}

// appendEven appends word, whose first lead bytes are spaces and which holds
// n letters after them, in ceil(n/maxPiece) pieces of nearly equal length.
// The leading spaces stay on the first piece.
func appendEven(out []string, word string, lead, n int) []string {
	pieces := (n + maxPiece - 1) / maxPiece
	if pieces <= 1 {
		return append(out, word)
	}
	start := 0 // byte offset in word of the current piece
	pos := lead
	done := 0 // letters placed so far
	for p := 0; p < pieces; p++ {
		take := (n - done) / (pieces - p)
		if (n-done)%(pieces-p) != 0 {
			take++
		}
		for k := 0; k < take; k++ {
			_, s := utf8.DecodeRuneInString(word[pos:])
			pos += s
		}
		done += take
		out = append(out, word[start:pos])
		start = pos
	}
	return out
}

// countTokens returns how many tokens Tokenize finds in s.
func countTokens(s string) int {
	if strings.TrimSpace(s) == "" {
		return 0
	}
	return len(Tokenize(s))
}
