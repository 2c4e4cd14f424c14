package explain

// The words a lesson shows around an answer that arrives all at once
// (helpers.StartTimer and helpers.ShowAnswer). elapsed is a duration as the
// helpers write it, such as "4.21 s".

// Waiting is the line shown, updated in place, while a cell waits for a whole
// answer.
func Waiting(elapsed string) string {
	return "⏳ Waiting for the whole answer… " + elapsed
}

// Arrived is the line that replaces Waiting when the answer (or an error)
// came back.
func Arrived(elapsed string) string {
	return "⏱ The whole answer arrived after " + elapsed + ". Nothing showed until then."
}

// GaveUp is the line that replaces Waiting when the request failed or was
// stopped.
func GaveUp(elapsed string) string {
	return "⏱ Waited " + elapsed + " without an answer."
}

// NoAnswer says that a response held no answer to show.
const NoAnswer = "The server sent back no answer (the response has no choices). " +
	"Run the cell above again, or choose another model."
