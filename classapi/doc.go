// Package classapi is what the class's programs agree on: the class relay
// (package relay) that writes it, the teacher's class view (package
// classview) and the notebook helpers (internal/explain, internal/sse) that
// read it. Like the root package of a domain in benbjohnson/wtf, it holds
// only types, constants and their encodings; the programs never import each
// other, only this.
//
// The contracts, each written here once:
//
//   - the "type" of the relay's own error answers (TypeAuth, TypePerDay, …)
//     and their JSON (ErrorJSON, in the wire shape of internal/wire);
//   - the per-student limits and their defaults (Limits, DefaultLimits);
//   - the relay's GET health answer (Health), which carries the limits in
//     force, and its GET usage answer (UsageDoc);
//   - the waiting comment of the relay's fair queue (WaitingComment,
//     ParseWaiting);
//   - the duration syntax of both programs' JSON configs (Duration).
package classapi
