package relay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/k12notebooks/golessons/classapi"
)

// mayTeach checks that the request's token is a hub admin's (a teacher's)
// or holds the unfiltered read:users scope (the class view's service),
// answering 401, 403 or 503 when it is not; what names the action, for
// the 403.
func (r *Relay) mayTeach(w http.ResponseWriter, req *http.Request, what string) bool {
	token := bearerToken(req)
	u, err := r.auth.Owner(req.Context(), token)
	if err != nil {
		r.refuse(w, req, token, err)
		return false
	}
	ok, err := r.auth.MayReadUsage(req.Context(), u)
	if err != nil {
		r.logf("class-relay: cannot check whether %s is an admin: %v", u.Name, err)
		newError(http.StatusServiceUnavailable, classapi.TypeHubDown, "Cannot check with JupyterHub whether you are an admin; try again in a minute.").write(w)
		return false
	}
	if !ok {
		r.logf("class-relay: refused %s %q: not a hub admin (%s)", u.Kind, u.Name, what)
		newError(http.StatusForbidden, classapi.TypeForbidden, "Only hub admins (teachers) and services with the read:users scope (the class view) can "+what+".").write(w)
	}
	return ok
}

// classNotice serves GET class to any valid hub token: what the students'
// connect cell tells them.
func (r *Relay) classNotice(w http.ResponseWriter, req *http.Request) {
	token := bearerToken(req)
	u, err := r.auth.Owner(req.Context(), token)
	if err != nil {
		r.refuse(w, req, token, err)
		return
	}
	s, _ := r.settings.now()
	writeJSON(w, classapi.ClassNotice{Kept: r.conv.keep, RetentionDays: r.cfg.Conversations.RetentionDays,
		Instructions: s.Instructions, Paused: s.Paused.Paused(u.Name)})
}

// teacher serves the teacher's endpoints (classapi.TeacherPath and the
// others), to hub admins and the class view only.
func (r *Relay) teacher(w http.ResponseWriter, req *http.Request, path string) {
	want := http.MethodPost
	if path == classapi.TeacherPath || path == classapi.ExchangePath {
		want = http.MethodGet
	}
	if !method(w, req, want) || !r.mayTeach(w, req, "see or change the class's conversations and settings") {
		return
	}
	switch path {
	case classapi.TeacherPath:
		if v, err := strconv.ParseInt(req.URL.Query().Get("version"), 10, 64); err == nil {
			r.conv.Wait(req.Context(), v)
		}
		writeJSON(w, r.conv.State(r.settings.Get()))
	case classapi.ExchangePath:
		e, err := r.conv.Get(req.URL.Query().Get("id"))
		switch {
		case errors.Is(err, errNoExchange):
			newError(http.StatusNotFound, classapi.TypeNotFound, "No kept exchange has this id (it may be older than the retention period).").write(w)
		case err != nil:
			newError(http.StatusInternalServerError, classapi.TypeInvalidRequest, "The exchange could not be read: "+err.Error()).write(w)
		default:
			writeJSON(w, e)
		}
	case classapi.SettingsPath:
		r.postSettings(w, req)
	case classapi.PausePath:
		r.postPause(w, req)
	case classapi.SeenPath:
		var sr classapi.SeenRequest
		if r.readJSON(w, req, &sr) {
			if err := r.conv.MarkSeen(sr.IDs); err != nil {
				r.logf("class-relay: %v", err)
			}
			writeJSON(w, map[string]string{"status": "ok"})
		}
	}
}

// readJSON reads a POST body of JSON into v strictly (unknown fields are
// errors), answering 400 when it cannot.
func (r *Relay) readJSON(w http.ResponseWriter, req *http.Request, v any) bool {
	b, aerr := r.readBody(w, req)
	if aerr == nil {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			aerr = newError(http.StatusBadRequest, classapi.TypeInvalidRequest, "The body is not the JSON this endpoint takes: "+err.Error())
		}
	}
	if aerr != nil {
		aerr.write(w)
		return false
	}
	return true
}

// postSettings replaces the teacher's settings (not the pause state).
func (r *Relay) postSettings(w http.ResponseWriter, req *http.Request) {
	var s classapi.Settings
	if !r.readJSON(w, req, &s) {
		return
	}
	if err := r.settings.Replace(s); err != nil {
		newError(http.StatusBadRequest, classapi.TypeInvalidRequest, "The settings were not changed: "+err.Error()+".").write(w)
		return
	}
	r.logf("class-relay: the teacher's settings changed")
	r.conv.Changed()
	writeJSON(w, r.settings.Get())
}

// postPause pauses or resumes the AI for a student or the class and, with
// stop_now, ends their requests in progress.
func (r *Relay) postPause(w http.ResponseWriter, req *http.Request) {
	var p classapi.PauseRequest
	if !r.readJSON(w, req, &p) {
		return
	}
	ps, err := r.settings.Pause(p)
	if err != nil {
		newError(http.StatusInternalServerError, classapi.TypeInvalidRequest, err.Error()).write(w)
		return
	}
	who := "the class"
	if p.Student != "" {
		who = fmt.Sprintf("%q", p.Student)
	}
	what := "resumed"
	if p.Paused {
		what = "paused"
		if p.StopNow {
			what = fmt.Sprintf("paused and stopped %d request(s) in progress", r.active.stop(p.Student))
		}
	}
	r.logf("class-relay: the teacher %s the AI for %s", what, who)
	r.conv.Changed()
	writeJSON(w, ps)
}
