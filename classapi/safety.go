package classapi

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// LlamaGuardCategories maps the codes of Llama Guard 3 and 4 (the MLCommons
// hazard taxonomy, as Meta's model cards list it) to the alert categories:
//
//	S1  Violent Crimes              violence
//	S2  Non-Violent Crimes          (no alert)
//	S3  Sex-Related Crimes          abuse
//	S4  Child Sexual Exploitation   abuse
//	S5  Defamation                  (no alert)
//	S6  Specialized Advice          (no alert)
//	S7  Privacy                     personal_data
//	S8  Intellectual Property       (no alert)
//	S9  Indiscriminate Weapons      violence
//	S10 Hate                        abuse
//	S11 Suicide & Self-Harm         self_harm
//	S12 Sexual Content              sexual
//	S13 Elections                   (no alert)
//	S14 Code Interpreter Abuse      (no alert)
//
// Codes without a category here raise no alert.
var LlamaGuardCategories = map[string]string{
	"S1": CategoryViolence, "S3": CategoryAbuse, "S4": CategoryAbuse, "S7": CategoryPersonalData,
	"S9": CategoryViolence, "S10": CategoryAbuse, "S11": CategorySelfHarm, "S12": CategorySexual,
}

// guardCode is one Llama Guard category code.
var guardCode = regexp.MustCompile(`^S[0-9]{1,2}$`)

// ParseGuardVerdict reads a safety model's answer in Llama Guard's format:
// "safe", or "unsafe" and, on the next line, the violated categories'
// codes separated by commas ("unsafe\nS1,S10"). Surrounding white space
// and the case of "safe"/"unsafe" do not matter. It returns the codes
// (none for safe) and whether the verdict was unsafe.
func ParseGuardVerdict(answer string) (unsafe bool, codes []string, err error) {
	lines := strings.Split(strings.TrimSpace(answer), "\n")
	switch strings.ToLower(strings.TrimSpace(lines[0])) {
	case "safe":
		return false, nil, nil
	case "unsafe":
	default:
		return false, nil, fmt.Errorf("the safety model answered %q, not Llama Guard's \"safe\" or \"unsafe\"; choose a Llama Guard model", Preview(answer, 60))
	}
	if len(lines) > 1 {
		for _, c := range strings.Split(lines[1], ",") {
			c = strings.ToUpper(strings.TrimSpace(c))
			if !guardCode.MatchString(c) {
				return true, nil, fmt.Errorf("the safety model's code %q is not a Llama Guard code such as S1", Preview(c, 20))
			}
			codes = append(codes, c)
		}
	}
	return true, codes, nil
}

// GuardVerdict writes a verdict in Llama Guard's format: "safe" without
// codes, else "unsafe\n" and the codes joined by commas.
func GuardVerdict(codes []string) string {
	if len(codes) == 0 {
		return "safe"
	}
	return "unsafe\n" + strings.Join(codes, ",")
}

// GuardAlerts turns a safety model's codes into alerts for part, one per
// category (codes without a category are left out).
func GuardAlerts(part string, codes []string) []Alert {
	var out []Alert
	var seen []string
	for _, c := range codes {
		cat, ok := LlamaGuardCategories[c]
		if !ok || slices.Contains(seen, cat) {
			continue
		}
		seen = append(seen, cat)
		out = append(out, Alert{Category: cat, Part: part, Source: SourceSafetyModel, Match: c})
	}
	return out
}

// DefaultWords returns the default word lists: a starting point for the
// teacher, who edits them in the class view. Lines written /like this/ are
// patterns; the personal-data ones find phone numbers, e-mail addresses
// and street addresses.
func DefaultWords() map[string][]string {
	return map[string][]string{
		CategorySelfHarm: {"kill myself", "killing myself", "suicide", "suicidal", "self-harm", "self harm",
			"hurt myself", "hurting myself", "cut myself", "cutting myself", "want to die", "end my life", "overdose"},
		CategoryViolence: {"murder", "stab", "stabbing", "shoot up", "school shooting", "bomb", "make a gun",
			"/kill (you|him|her|them|everyone|my)\\b/", "beat up", "weapon"},
		CategoryAbuse: {"abuse", "abused", "abusing", "molest", "molested", "rape", "raped", "grooming",
			"touched me", "hits me", "beats me", "bullied", "bullying", "hate them all"},
		CategorySexual: {"sex", "sexy", "porn", "porno", "pornography", "nude", "nudes", "naked", "xxx", "onlyfans"},
		CategoryPersonalData: {"my address is", "i live at", "my phone number", "my password is",
			`/\+?[0-9][0-9 ().-]{7,}[0-9]/`,
			`/[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+/`,
			`/\b[0-9]{1,5}\s+([a-z]+\s+){1,3}(street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|way|place|pl)\b/`},
	}
}

// DefaultSettings returns the settings of a relay that has none yet: the
// default word lists, every category on ActionAlert, no instructions, no
// safety model, nothing paused.
func DefaultSettings() Settings {
	s := Settings{Words: DefaultWords(), Actions: map[string]string{}, Paused: PauseState{Students: []string{}}}
	for _, c := range Categories() {
		s.Actions[c] = ActionAlert
	}
	return s
}
