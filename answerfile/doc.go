// Package answerfile reads and writes answers files: what students answered
// to the quiz questions of a lesson, "<notebook name>.answers.json" beside
// the notebook (see Path). The quiz widget's script
// (internal/quizwidget/assets/quiz.js) writes it through the Jupyter
// server's contents API each time a student checks an answer; the gradebook
// and the class view read it, with ReadIn for students' copies.
//
// # Schema, version 1
//
//		{
//		  "version": 1,
//		  "notebook": "openai-streaming.ipynb",
//		  "answers": {
//		    "q-3f2a9c1e": {
//		      "answer": "stream",
//		      "correct": true,
//		      "time": "2025-03-04T10:15:02.125Z",
//		      "attempts": 2,
//		      "question": "What parameter do you set to True ...?",
//		      "points": 1,
//		      "history": [
//		        {"answer": "streaming", "correct": false, "time": "2025-03-04T10:14:40.001Z"},
//		        {"answer": "stream", "correct": true, "time": "2025-03-04T10:15:02.125Z"}
//		      ]
//		    }
//		  }
//		}
//
//	  - "version": the schema version, a whole number (see Versions).
//	  - "notebook": the notebook's file name.
//	  - "answers": an object mapping a question ID (quiz.Question.ID, never
//	    empty) to a record, an object (never null).
//	  - A record's "answer", "correct" and "time" describe the latest attempt;
//	    "attempts" counts them (0 or more); "history" holds every attempt,
//	    oldest first, each {"answer", "correct", "time"}. Times are RFC 3339
//	    with up to nine fractional digits (the widget writes nine, so that two
//	    browsers' attempts in one millisecond stay two).
//	  - An answer is as the widget sends it: the text typed, "True" or "False",
//	    an option's key, or the keys of a many_choice question joined by commas.
//	  - "correct", "question" and "points" are what the widget showed the
//	    student, kept for its own display: anyone can edit the file, so the
//	    gradebook ignores them and grades every answer again with the lesson's
//	    own questions (GradeRecord).
//	  - Unknown fields are ignored, so that a later version can add optional
//	    fields without changing the version.
//
// # Versions
//
// Version is the schema version this package and the widget's script write
// (they must agree: a test checks the script's constant). The rules:
//
//   - A file without "version" (or with "version": null) is version 1: the
//     first answers files were written before the field was checked, and
//     version 1 is the schema they have. So every answers file written so far
//     reads as it is.
//   - Any other "version" must be a whole number from 1 up, written as one
//     (1, not 1.0 or "1"). Anything else is an error (with line:column).
//   - A file of a version up to Version is read, and upgraded in memory when
//     older (version 1 needs nothing); it is written back as Version.
//   - A file of a version above Version was written by newer lessons: it is
//     not read further, and never written over. Parse returns a
//     *NewerVersionError, which says to update the lessons on this computer
//     (git pull, then make setup). The widget's script refuses it the same
//     way ("ask your teacher to update the lessons") and does not save.
//
// A change that a reader of the current version would misread (a field
// whose meaning changes, a required field) needs a new version: raise
// Version and the script's ANSWERS_VERSION together, describe it here, and
// teach Parse to upgrade the previous versions.
//
// # Reading safely
//
// Students' copies are written by students: ReadIn reads them with package
// internal/safefile (no links, FIFOs or devices, nothing over MaxSize).
package answerfile
