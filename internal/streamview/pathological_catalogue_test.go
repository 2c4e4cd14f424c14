package streamview

// The catalogue of pathological Markdown: inputs that public CommonMark test
// suites and issue trackers use against parsers' worst cases, at the sizes
// those suites use (capped at 1 MiB, the largest answer the render targets
// cover). A model can be made to write any of them. Sources, as read for
// this catalogue (2026-12-07):
//
//   - commonmark/cmark test/pathological_tests.py at 54b2be5 (dicts
//     "pathological" and "pathological_cmark");
//   - commonmark/commonmark.js test/test.js at f149165 ("pathological
//     cases");
//   - yuin/goldmark v1.8.7 extra_test.go (its *Performance tests);
//   - mity/md4c issues #57, #59, #63, #172, #236 and commonmark/cmark issue
//     #255 (inputs quoted in the issue text).
//
// Where a suite's input is longer than 1 MiB it is cut to 1 MiB (noted).

import (
	"fmt"
	"strings"
)

// pathoEntry is one catalogue entry: an answer a model could write.
type pathoEntry struct {
	ID     string
	Source string // repository, file and test name
	Text   string
}

const maxPathoBytes = 1 << 20

func rep(s string, n int) string { return strings.Repeat(s, n) }

// pathoCatalogue returns the catalogue.
func pathoCatalogue() []pathoEntry {
	const cm = "commonmark/cmark test/pathological_tests.py: "
	const js = "commonmark/commonmark.js test/test.js: "
	const gm = "yuin/goldmark v1.8.7 extra_test.go: "
	cat := []pathoEntry{
		{"nested-strong-emph", cm + `"nested strong emph"`, rep("*a **a ", 32500) + "b" + rep(" a** a*", 32500)},
		{"emph-closers-no-openers", cm + `"many emph closers with no openers"`, rep("a_ ", 32500)},
		{"emph-openers-no-closers", cm + `"many emph openers with no closers"`, rep("_a ", 32500)},
		{"link-closers-no-openers", cm + `"many link closers with no openers"`, rep("a]", 32500)},
		{"link-openers-no-closers", cm + `"many link openers with no closers"`, rep("[a", 32500)},
		{"mismatched-openers-closers", cm + `"mismatched openers and closers"`, rep("*a_ ", 25000)},
		{"cmark-issue-389", cm + `"issue #389"`, rep("*a ", 20000) + rep("_a*_ ", 20000)},
		{"openers-closers-multiple-of-3", cm + `"openers and closers multiple of 3"`, "a**b" + rep("c* ", 25000)},
		{"link-openers-emph-closers", cm + `"link openers and emph closers"`, rep("[ a_", 25000)},
		{"pattern-bracket-paren", cm + `"pattern [ (]( repeated"`, rep("[ (](", 40000)},
		{"pattern-image-brackets", cm + `"pattern ![[]() repeated" (160000 times: 960,000 bytes)`, rep("![[]()", 160000)},
		{"hard-link-emph", cm + `"hard link/emph case"`, "**x [a*b**c*](d)"},
		{"nested-brackets", cm + `"nested brackets"`, rep("[", 25000) + "a" + rep("]", 25000)},
		{"nested-block-quotes", cm + `"nested block quotes"`, rep("> ", 25000) + "a"},
		{"deeply-nested-lists", cm + `"deeply nested lists"`, indentedList(500, 2, "* a")},
		{"nul-in-input", cm + `"U+0000 in input"`, "abc\u0000de\u0000"},
		{"backticks", cm + `"backticks" (runs 1..1400 instead of 1..2499: cut to 1 MiB)`, backtickRuns(1400)},
		{"unclosed-links-a", cm + `"unclosed links A"`, rep("[a](<b", 30000)},
		{"unclosed-links-b", cm + `"unclosed links B"`, rep("[a](b", 30000)},
		{"unclosed-comment", cm + `"unclosed <!--" (262,000 times instead of 300,000: cut to 1 MiB)`, "</" + rep("<!--", 262000)},
		{"empty-lines-nested-lists", cm + `"empty lines in deeply nested lists" (the issue's 88 KiB answer)`, rep("- ", 30000) + "x" + rep("\n", 30000)},
		{"empty-lines-nested-lists-in-quote", cm + `"empty lines in deeply nested lists in blockquote"`, "> " + rep("- ", 30000) + "x\n" + rep(">\n", 30000)},
		{"emph-in-deep-blockquote", cm + `"emph in deep blockquote"`, rep(">", 100000) + rep("a*", 100000)},
		{"reference-collisions", cm + `"reference collisions"`, referenceCollisions()},
		{"nested-inlines", "commonmark/cmark test/pathological_tests.py: pathological_cmark \"nested inlines\"", rep("*", 20000) + "a" + rep("*", 20000)},
		{"alternate-line-endings", js + `"alternate line endings" (repeated to 100 KiB)`, rep("- a\n- b\r- c\r\n- d\n", 100<<10/17)},
		{"cmjs-172", js + `"10000 #172"`, rep("*_* _ ", 10000)},
		{"bracket-backslashes", js + `"[\\... 10000 deep"`, "[" + rep("\\", 10000) + "\n"},
		{"backslashes-in-link-title", js + `"1000 backslashes in unclosed link title"`, "[test](\\url \"" + rep("\\", 1000) + "\n"},
		{"goldmark-deep-nested-label", gm + "TestDeepNestedLabelPerformance", rep("[", 50000) + rep("]", 50000)},
		{"goldmark-processing-instructions", gm + "TestManyProcessingInstructionPerformance", "a " + rep("<?", 50000)},
		{"goldmark-cdata", gm + "TestManyCDATAPerformance", rep("a <![CDATA[", 50000)},
		{"goldmark-decl", gm + "TestManyDeclPerformance", rep("a <!A ", 50000)},
		{"goldmark-comments", gm + "TestManyCommentPerformance", rep("a <!-- ", 50000)},
		{"md4c-236", "mity/md4c issue #236 \"Pathological input\"", rep("]([\n", 50000)},
		{"md4c-57-angle", "mity/md4c issue #57 \"Parsing <><><><><><>… takes quadratic time\"", rep("<>", 40000)},
		{"md4c-59-backslash-backticks", "mity/md4c issue #59 \"Parsing '\\``\\``…' takes quadratic time\"", rep("\\``", 80000)},
		{"md4c-63-triple-star", "mity/md4c issue #63 \"Parsing 'a***a***…' takes quadratic time\"", rep("a***", 80000)},
		{"md4c-172-ref-lookup", "mity/md4c issue #172 \"Quadratic behavior in link reference lookup\"", "[x]: /foo\n\n" + rep("[", 20000) + rep("]", 20000)},
		{"cmark-255-nested-lists", "commonmark/cmark issue #255 \"Pathological input: Deeply nested lists\" (N=1000)", indentedList(1000, 2, "* foo")},
		{"cmark-255-nested-ordered", "commonmark/cmark issue #255 (\"Ordered lists are broken the same way\"; N=800)", indentedList(800, 3, "1. foo")},
	}
	for i := range cat {
		if len(cat[i].Text) > maxPathoBytes {
			panic(fmt.Sprintf("%s: %d bytes", cat[i].ID, len(cat[i].Text)))
		}
	}
	return cat
}

// indentedList is n list items, each indented by step more spaces than the
// one before (cmark's "deeply nested lists", cmark issue #255).
func indentedList(n, step int, item string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(rep(" ", step*i))
		b.WriteString(item)
		b.WriteByte('\n')
	}
	return b.String()
}

// backtickRuns is cmark's "backticks": "e" then x backticks, x = 1..n.
func backtickRuns(n int) string {
	var b strings.Builder
	for x := 1; x <= n; x++ {
		b.WriteString("e")
		b.WriteString(rep("`", x))
	}
	return b.String()
}

// referenceCollisions is cmark's "reference collisions": 24,999 link
// reference definitions whose labels collide in cmark's 16-slot hash,
// each followed by a reference to the first.
func referenceCollisions() string {
	badhash := func(ref string) bool {
		var h uint32
		for _, c := range ref {
			h = uint32(c) + (h << 6) + (h << 16) - h
		}
		return h%16 == 0
	}
	var keys []string
	for i := 0; len(keys) < 25000; i++ {
		if k := fmt.Sprintf("x%d", i); badhash(k) {
			keys = append(keys, k)
		}
	}
	var b strings.Builder
	for _, k := range keys[1:] {
		fmt.Fprintf(&b, "[%s]: /url\n\n[%s]\n\n", k, keys[0])
	}
	return b.String()
}

// prose is an ordinary answer of about n bytes: paragraphs with bold and
// code, a heading, a list and a table, repeated.
func prose(n int) string {
	const unit = "## Feeding a puppy\n\n" +
		"Feed your **Bankhar** puppy three times a day until it is six months old; " +
		"after that, twice a day is enough. Food costs about $3 a day, and `kibble` " +
		"made for large breeds works well. Keep fresh water out at all times.\n\n" +
		"- Weigh the food, do not guess.\n- Give treats only as rewards.\n- Check its weight every week.\n\n" +
		"| Age | Meals |\n|---|--:|\n| Puppy | 3 |\n| Adult | 2 |\n\n" +
		"A tired dog is a calm dog: walk it *twice* a day, and see " +
		"https://example.org/dogs for more.\n\n"
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(unit)
	}
	return b.String()[:n]
}
