package helpers

import "github.com/k12notebooks/golessons/internal/quizwidget"

// Question shows one quiz question, written as JSON in either format package
// quiz reads (the lesson's own, typographic quotes allowed, or jupyterquiz's),
// as an interactive widget:
//
//	%%
//	helpers.Question(`{ “question_type”: “freeform”, “question”: “What parameter ...?”, “answer”: “stream”, “submitted_answer”: “” }`)
//
// In JupyterLab the student answers in the output; each answer is checked at
// once and saved in the answers file beside the notebook by the widget's own
// script, and the page holds no right answer in readable form (see package
// quizwidget). Outside a notebook the text form is printed.
//
// A backtick cannot appear inside Go's raw string: write it as \u0060 in the
// JSON. A question with a problem is not shown; the problem is printed with
// its line and column counted from the start of the JSON text.
func Question(json string) { quizwidget.Question(json) }

// Quiz shows several questions, given as a JSON list of questions (a
// jupyterquiz question bank works as it is), each as its own widget. See
// Question.
func Quiz(json string) { quizwidget.Quiz(json) }

// Reflect shows a reflection, the lesson's "Reflect" section: a question
// the student answers in their own words, never graded, saved in the
// answers file beside the notebook like the quiz answers; the teacher reads
// the class's reflections in the class view. The JSON is one question of
// the lesson format with "question_type": "reflection" and no "answer":
//
//	%%
//	helpers.Reflect(`{ “question_type”: “reflection”, “id”: “reflect-streaming”, “question”: “What surprised you about streaming?” }`)
func Reflect(json string) { quizwidget.Reflect(json) }
