package helpers

import (
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io/fs"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/lessonbook"
)

// exportedNames returns the exported top-level names of this package.
func exportedNames(t *testing.T) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range pkgs["helpers"].Files {
		for name, obj := range f.Scope.Objects {
			if ast.IsExported(name) && obj != nil {
				names[name] = true
			}
		}
	}
	return names
}

// selectorsOf returns the names used as pkg.Name in a cell's Go source,
// with their lines, skipping comments and strings (go/scanner reads GoNB's
// cells well enough: "%%" and "!" lines only add errors, ignored here).
func selectorsOf(src string, pkg map[string]bool) map[string]int {
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), func(token.Position, string) {}, 0)
	used := map[string]int{}
	var prev [2]string
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return used
		}
		if tok == token.IDENT && prev[1] == "." && pkg[prev[0]] {
			used[lit] = fset.Position(pos).Line
		}
		word := lit
		if tok == token.PERIOD {
			word = "."
		}
		prev = [2]string{prev[1], word}
		if tok != token.IDENT && tok != token.PERIOD {
			prev = [2]string{"", ""}
		}
	}
}

// Every lesson notebook, as the Go Tour checks its snippets: each name a
// cell uses from helpers (whatever name the import gives the package)
// exists, and every quiz cell parses.
func TestLessonNotebooks(t *testing.T) {
	exported := exportedNames(t)
	paths, errs := lessonbook.Find("../notebooks")
	for _, err := range errs {
		t.Error(err)
	}
	if len(paths) == 0 {
		t.Fatal("no lessons in ../notebooks")
	}
	for _, path := range paths {
		nb, err := lessonbook.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		names, dot := lessonbook.HelpersNames(nb)
		if dot {
			t.Errorf("%s: a cell imports the helpers with \".\"; import it by name", path)
		}
		calls := 0
		for i, c := range nb.Cells {
			if c.Type != "code" {
				continue
			}
			for name, line := range selectorsOf(c.Source, names) {
				calls++
				if !exported[name] {
					t.Errorf("%s: cell %d, line %d: helpers.%s does not exist", path, i+1, line, name)
				}
			}
		}
		if calls < 5 {
			t.Errorf("%s: found only %d uses of the helpers; is the scan broken?", path, calls)
		}
		if _, problems := lessonbook.Check(path); len(problems) > 0 {
			t.Errorf("%s: quiz problems: %v", path, problems)
		}
	}
}

// The scan finds names under any import name, and not in comments or
// strings.
func TestSelectorsOfAnyImportName(t *testing.T) {
	src := "import h \"github.com/k12notebooks/golessons/helpers\"\n%%\n// helpers.Gone()\nh.ShowStream(ctx, s)\nx := \"h.Nope\"\nh.Missing()\n"
	names, _ := lessonbook.HelpersNames(&lessonbook.Notebook{Cells: []lessonbook.Cell{{Type: "code", Source: src}}})
	if !names["h"] {
		t.Fatalf("import names = %v", names)
	}
	got := selectorsOf(src, names)
	if len(got) != 2 || got["ShowStream"] != 4 || got["Missing"] != 6 {
		t.Errorf("selectors = %v", got)
	}
}
