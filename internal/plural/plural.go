// Package plural writes counts of things in English: "1 question",
// "3 questions".
package plural

import "strconv"

// Count returns n and word, with an "s" after word unless n is 1:
// Count(1, "answer") is "1 answer", Count(0, "answer") is "0 answers".
func Count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
