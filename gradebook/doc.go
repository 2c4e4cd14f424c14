// Package gradebook grades a class's quiz answers with the lessons' own
// questions and writes the result as a spreadsheet (WriteCSV) and a summary
// page (WriteHTML). The command cmd/gradebook runs it on a folder of
// students' copies; the teacher's live view (package classview) runs it on
// the students' home folders on a hub.
//
// # Trust
//
// Every answer is graded again with the lesson's questions (LoadLessons):
// what a right answer is and what it is worth come from the lesson only. The
// "correct" and "points" an answers file holds were written by the quiz
// widget for its own display, and anyone can edit the file, so they are
// ignored (answerfile.GradeRecord). Answers to question ids that no
// lesson has are warnings, never scored.
//
// Students' files are hostile input. Collect never follows a symbolic link
// (a linked student folder included), never opens a FIFO, device or socket,
// reads nothing outside the class folder (an os.Root), and refuses answers
// files over answerfile.MaxSize and folders nested more than MaxDepth
// deep. A refused or damaged answers file is a warning naming the student
// and the file; a student whose only file was refused is still listed.
//
// # The class folder
//
// Collect reads every "<notebook>.answers.json" under the class folder,
// hidden folders (.ipynb_checkpoints, .local, ...) and folders that never
// hold lessons (see SkippedFolder) excepted. The student is the first folder
// under the class folder (class/alice/notebooks/x.answers.json is alice's);
// a file directly in the class folder is named for its student
// (class/alice.answers.json). A hub's home folders are such a class folder:
// /home/alice/... is alice's. In a student's folder, a link, FIFO, device
// or socket is a warning when it is named *.answers.json and is skipped
// silently otherwise (homes hold links to shared folders and tools); a
// student folder that is itself a link is a warning.
package gradebook
