package classapi

import "github.com/k12notebooks/golessons/internal/wire"

// The "type" of the class relay's own error answers: the relay writes them,
// internal/explain turns them into a student's words. An error the relay
// passes on from the AI provider keeps the provider's type.
const (
	// TypeAuth refuses a token the hub does not know, or one that may not
	// use the relay (401).
	TypeAuth = "invalid_hub_token"
	// TypeHubDown means the hub could not be asked who a token is (503).
	TypeHubDown = "hub_unavailable"
	// TypeForbidden refuses a non-admin at an admin's endpoint (403).
	TypeForbidden = "admin_only"
	// TypeInvalidRequest refuses a request the relay cannot read or send
	// (400, 405, 413).
	TypeInvalidRequest = "invalid_request_error"
	// TypeModelNotAllowed refuses a model outside upstream.allowed_models
	// (400).
	TypeModelNotAllowed = "model_not_allowed"
	// TypeFieldNotAllowed refuses a request field the class relay does not
	// send: one outside its allow-list, one spelled with other capital
	// letters, or one given twice. The message names the field (400).
	TypeFieldNotAllowed = "field_not_allowed"
	// TypeNotFound answers a path the relay does not serve (404).
	TypeNotFound = "not_found"
	// TypeUpstream means the AI provider could not be reached or failed.
	TypeUpstream = "upstream_error"
	// TypeUpstreamKey means the AI provider refused the teacher's key.
	TypeUpstreamKey = "upstream_key_refused"
	// TypePerMinute refuses a student over Limits.RequestsPerMinute (429).
	TypePerMinute = "requests_per_minute"
	// TypePerDay refuses a student over Limits.RequestsPerDay (429).
	TypePerDay = "requests_per_day"
	// TypeConcurrent refuses a student over Limits.ConcurrentStreams (429).
	TypeConcurrent = "concurrent_streams"
	// TypeQueueTimeout ends a request that waited the queue's max_wait
	// without a turn (429).
	TypeQueueTimeout = "queue_timeout"
	// TypeQueueFull refuses a request when the queue is full (429).
	TypeQueueFull = "queue_full"
)

// ErrorJSON returns the relay's error answer:
// {"error":{"message":…,"type":…,"code":status}}, compact, without a
// trailing newline. In a stream it is the payload of one data line.
func ErrorJSON(status int, typ, message string) []byte {
	return wire.ErrorJSON(status, typ, message)
}
