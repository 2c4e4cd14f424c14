package classapi

// The relay's endpoints for the class view, under its prefix (e.g.
// /services/class-relay/).
const (
	// HealthPath is GET health: a Health, to anyone.
	HealthPath = "health"
	// UsagePath is GET usage: the UsageDoc, to hub admins and to tokens
	// holding the unfiltered read:users scope (the class view's service).
	UsagePath = "usage"
)

// Health is the answer of the relay's GET health.
type Health struct {
	// Status is "ok".
	Status string `json:"status"`
	// Waiting is how many requests wait for a turn in the class queue.
	Waiting int `json:"waiting"`
	// Student holds the per-student limits in force.
	Student Limits `json:"student"`
}
