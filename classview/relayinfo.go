package classview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/k12notebooks/golessons/classapi"
	"github.com/k12notebooks/golessons/internal/hub"
	"github.com/k12notebooks/golessons/internal/wire"
)

// maxRelayAnswer bounds what is read of one relay answer: a class's usage
// is a few KiB a day.
const maxRelayAnswer = 32 << 20

// relayInfo is what the class relay says about the class today.
type relayInfo struct {
	// today maps students to today's usage; nil when it is not known.
	today map[string]*classapi.DayUsage
	// waiting is the number of requests in the relay's queue; -1 unknown.
	waiting int
	// perDay is the relay's student.requests_per_day; 0 unknown or off.
	perDay int
	// notices say what could not be read, and what to do.
	notices []string
}

// readRelay asks the relay at base (relay.url, ending in "/") for its
// health (the queue and the limits) and, with the service's token, for the
// usage. base "" asks nothing. When the relay does not answer, the notices
// say so and the page shows no requests.
func readRelay(ctx context.Context, base string, h *hub.Client, now time.Time) relayInfo {
	info := relayInfo{waiting: -1}
	if base == "" {
		return info
	}
	var health classapi.Health
	if err := getRelay(ctx, h.HTTP, base+classapi.HealthPath, "", &health); err != nil {
		info.notices = append(info.notices, fmt.Sprintf("The class relay did not answer, so requests and the queue are not shown: %v.", err))
		return info
	}
	info.waiting, info.perDay = health.Waiting, health.Student.RequestsPerDay
	var doc classapi.UsageDoc
	if err := getRelay(ctx, h.HTTP, base+classapi.UsagePath, h.Token.Reveal(), &doc); err != nil {
		info.notices = append(info.notices, fmt.Sprintf("The class relay's usage cannot be read, so requests are not shown: %v.", err))
		return info
	}
	info.today = doc.On(now.Format(classapi.DayLayout)) // the relay's local day
	return info
}

// errRelayRefused is the relay refusing the class view's token.
var errRelayRefused = errors.New("the class relay refused the class view's token")

// getRelay GETs a JSON answer of the relay into out, with token when it is
// not "".
func getRelay(ctx context.Context, client *http.Client, url, token string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("relay.url makes %q, which is not a URL (%v)", url, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "token "+token)
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %v; is the relay running, and relay.url its address?", url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxRelayAnswer))
	var e wire.ErrorBody
	_ = json.Unmarshal(data, &e)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w (%d: %s); give the class view's service the read:users scope (classroom/class_view_service.py does)", errRelayRefused, resp.StatusCode, e.Error.Message)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GET %s answered %d %s; relay.url should be the relay's address, ending in its prefix (e.g. /services/class-relay/)", url, resp.StatusCode, e.Error.Message)
	case err != nil:
		return fmt.Errorf("GET %s: %v", url, err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("GET %s did not answer the relay's JSON (%v); check relay.url", url, err)
	}
	return nil
}
