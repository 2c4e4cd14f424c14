package offline

import "strings"

// LessonModel is the model the lesson asks for; GET /models lists it, and it
// is echoed when a request names no model.
const LessonModel = "openai/gpt-oss-120b:free"

// LessonQuestion is the user message of the lesson.
const LessonQuestion = "How many times a day should I feed my Mongolian Bankhar, and what food is best?"

// Provider is the "provider" field of every response, where OpenRouter names
// the upstream provider that served the request.
const Provider = "Offline sample"

// OfflineNotice is the first line of every prepared answer.
const OfflineNotice = "*(Offline sample answer — not from a real AI model. Set OPENROUTER_API_KEY to ask a live one.)*"

// LessonAnswer is the prepared answer to LessonQuestion, written in the voice
// of the lesson's system prompt (a friendly dog expert based in Mongolia).
const LessonAnswer = OfflineNotice + `

## Feeding your Mongolian Bankhar 🐕

Great question! Bankhars are big, hardy guardian dogs, so regular, solid meals matter more than fancy ones.

**How often**

| Age | Meals a day |
|---|---|
| Puppy (2–6 months) | 3–4 |
| Young dog (6–18 months) | 2–3 |
| Adult | 2 |

**What food is best**

- **Protein first:** a good large-breed dog food with meat as the first ingredient, or cooked mutton, beef or goat with a little rice, the way herders here have long fed their dogs.
- **A bit more fat in winter:** a Bankhar guarding the herd at −30 °C burns far more energy; add some fat or a larger portion.
- **No cooked bones:** they splinter. Skip onions, grapes and very salty leftovers too.
- **Fresh water always:** check that it has not frozen.

**Tips**

1. Feed at the same times each day, and let your dog rest for an hour after a big meal (large, deep-chested dogs can get bloat).
2. Judge portions by body shape: you should feel the ribs but not see them.
3. Let puppies grow slowly on large-breed puppy food; it protects their joints.

Enjoy your loyal guardian! 🐾
`

// LessonReasoning is the short "thinking" streamed before LessonAnswer.
const LessonReasoning = "The user asks how often to feed a Mongolian Bankhar and what food is best. " +
	"It is a large guardian breed: puppies 3–4 meals, adults 2. Meat-first food, extra fat in winter, " +
	"fresh water, no cooked bones, rest after meals. Use a small table and a list; keep it friendly."

// OtherAnswer is the prepared reply to any question but the lesson's.
const OtherAnswer = OfflineNotice + `

I'm the lesson's **offline practice provider**, so I only know one answer: the one to the lesson's question, *"` + LessonQuestion + `"*

To ask anything else:

- set ` + "`OPENROUTER_API_KEY`" + ` (in your environment or the project's ` + "`.env`" + ` file) and run the cell again to reach a live model on OpenRouter, or
- set ` + "`OPENAI_BASE_URL`" + ` to another OpenAI-compatible server, such as Ollama on your computer.
`

// OtherReasoning is the "thinking" streamed before OtherAnswer.
const OtherReasoning = "This is not the lesson's question about feeding a Mongolian Bankhar. " +
	"The offline provider has one prepared answer, so explain how to go live."

// isLessonQuestion reports whether question asks what the lesson asks:
// it names the Bankhar and feeding or food. Teachers may reword it a little.
func isLessonQuestion(question string) bool {
	q := strings.ToLower(question)
	if !strings.Contains(q, "bankhar") {
		return false
	}
	for _, w := range []string{"feed", "food", "eat", "meal", "diet"} {
		if strings.Contains(q, w) {
			return true
		}
	}
	return false
}

// pickAnswer returns the answer and reasoning for a request whose last user
// message is question, honouring the overrides in opts.
func pickAnswer(opts Options, question string) (answer, reasoning string) {
	if opts.Answer != "" {
		return opts.Answer, opts.Reasoning
	}
	answer, reasoning = OtherAnswer, OtherReasoning
	if isLessonQuestion(question) {
		answer, reasoning = LessonAnswer, LessonReasoning
	}
	if opts.Reasoning != "" {
		reasoning = opts.Reasoning
	}
	if opts.NoReasoning {
		reasoning = ""
	}
	return answer, reasoning
}
