package classapi

import "time"

// DayLayout is the key of a day in StudentUsage.Days: the relay's local
// date, as time.Format writes it.
const DayLayout = "2006-01-02"

// UsageDoc is the relay's usage record: its GET usage answer and its
// usage.json file.
type UsageDoc struct {
	// Version is the format version, 1.
	Version int `json:"version"`
	// Updated is when the document was last changed.
	Updated time.Time `json:"updated"`
	// Students maps hub user names to their usage.
	Students map[string]*StudentUsage `json:"students"`
}

// Counts are the numbers kept per student, in total and per day.
type Counts struct {
	// Requests counts requests admitted by the limits.
	Requests int64 `json:"requests"`
	// Limited counts requests refused by a per-student limit.
	Limited int64 `json:"limited"`
	// Errors counts admitted requests that did not end with an answer
	// (upstream error, queue timeout, stream cut, client gone).
	Errors int64 `json:"errors"`
	// PromptTokens, CompletionTokens and TotalTokens add up the usage the
	// upstream reported, or the relay's estimate when it reported none.
	PromptTokens int64 `json:"prompt_tokens"`
	// CompletionTokens: see PromptTokens.
	CompletionTokens int64 `json:"completion_tokens"`
	// TotalTokens: see PromptTokens.
	TotalTokens int64 `json:"total_tokens"`
	// Estimated counts requests whose tokens were estimated.
	Estimated int64 `json:"estimated_requests"`
}

// DayUsage is one student's usage on one day.
type DayUsage struct {
	// First is the time of the day's first request.
	First time.Time `json:"first"`
	// Last is the time of the day's last request.
	Last time.Time `json:"last"`
	Counts
}

// StudentUsage is one student's usage.
type StudentUsage struct {
	// First is the time of the student's first request.
	First time.Time `json:"first"`
	// Last is the time of the student's last request.
	Last time.Time `json:"last"`
	Counts
	// Days maps the relay's local date (DayLayout) to that day's usage.
	Days map[string]*DayUsage `json:"days"`
}

// On returns each student's usage on day (DayLayout), leaving out students
// without any that day.
func (d *UsageDoc) On(day string) map[string]*DayUsage {
	out := map[string]*DayUsage{}
	for name, s := range d.Students {
		if s != nil && s.Days[day] != nil {
			out[name] = s.Days[day]
		}
	}
	return out
}
