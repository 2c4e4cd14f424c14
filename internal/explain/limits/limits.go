// Package limits words the messages a student reads when their cell's program
// was stopped by the classroom's per-student limits (classroom/limits.py,
// cmd/cell-run): what happened, in plain words, that the notebook is fine, and
// what to do next. It is part of package explain's wording, kept apart so that
// the cell launcher links nothing else.
package limits

import (
	"fmt"
	"strconv"
	"strings"
)

// Size says bytes the way a student knows it: 1073741824 is "1 GB", 805306368
// is "768 MB", 1610612736 is "1.5 GB" (the binary units, named as the
// everyday ones).
func Size(bytes int64) string {
	const mb, gb = 1 << 20, 1 << 30
	if bytes >= gb {
		s := strconv.FormatFloat(float64(bytes)/gb, 'f', 1, 64)
		return strings.TrimSuffix(s, ".0") + " GB"
	}
	n := (bytes + mb/2) / mb
	if n < 1 {
		n = 1
	}
	return fmt.Sprintf("%d MB", n)
}

// Memory is the message for a program stopped because the student's
// processes together used more memory than the limit (bytes; 0 when unknown).
func Memory(limit int64) string {
	each := "each student may use"
	if limit > 0 {
		each += " (" + Size(limit) + ")"
	}
	return "Your program used more memory than " + each + ", so it was stopped.\n" +
		"Your notebook is fine: change the code to use less memory (for example, don't keep " +
		"adding to a list or a map forever), then run the cell again."
}

// Tasks is the message for a program stopped because the student's programs
// tried to run more processes and threads at once than the limit (0 when
// unknown).
func Tasks(limit int64) string {
	each := "each student may"
	if limit > 0 {
		each += fmt.Sprintf(" (%d)", limit)
	}
	return "Your program tried to run more things at the same time than " + each +
		": too many programs or threads at once, so it was stopped.\n" +
		"Your notebook is fine: change the code so that it starts fewer of them (for example, " +
		"not one more in every turn of a loop), then run the cell again."
}
