package classview

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/classapi"
	"github.com/k12notebooks/golessons/internal/hub"
)

// The relay refusing the class view's token, or not answering, is said on
// the page; the queue and the limits still show when only usage is refused.
func TestReadRelayNotices(t *testing.T) {
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/services/class-relay/health":
			json.NewEncoder(w).Encode(classapi.Health{Status: "ok", Waiting: 2, Student: classapi.Limits{RequestsPerDay: 5}})
		case "/services/class-relay/usage":
			w.WriteHeader(http.StatusForbidden)
			w.Write(classapi.ErrorJSON(http.StatusForbidden, classapi.TypeForbidden, "Only hub admins."))
		}
	}))
	defer relay.Close()
	h := &hub.Client{Token: "view-token", HTTP: relay.Client()}
	ri := readRelay(context.Background(), relay.URL+"/services/class-relay/", h, time.Now())
	if ri.waiting != 2 || ri.perDay != 5 || ri.today != nil || len(ri.notices) != 1 ||
		!strings.Contains(ri.notices[0], "read:users") || !strings.Contains(ri.notices[0], "Only hub admins.") {
		t.Errorf("usage refused: %+v", ri)
	}
	url := relay.URL
	relay.Close()
	ri = readRelay(context.Background(), url+"/services/class-relay/", h, time.Now())
	if ri.waiting != -1 || ri.today != nil || len(ri.notices) != 1 || !strings.Contains(ri.notices[0], "did not answer") {
		t.Errorf("relay down: %+v", ri)
	}
}
