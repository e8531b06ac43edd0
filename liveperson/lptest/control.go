package lptest

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
)

// controlRoutes serves the endpoints under /lptest/ (see the package
// documentation). They answer any origin, so a page under test can set
// faults and read calls with fetch.
func (s *Server) controlRoutes() {
	handle := func(pattern string, h http.HandlerFunc) {
		s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			w.Header().Set("Cache-Control", "no-store")
			h(w, r)
		}))
	}
	handle("OPTIONS /lptest/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST, DELETE")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		w.WriteHeader(http.StatusNoContent)
	})
	handle("GET /lptest/{$}", s.agentView)
	// lptest's own address, as the demo prints it (LP_DOMAIN_API), opens
	// the agent view.
	handle("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/lptest/", http.StatusFound) })
	handle("GET /lptest/config", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Config()) })
	handle("GET /lptest/calls", s.serveCalls)
	handle("GET /lptest/visitors", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Visitors()) })
	handle("GET /lptest/visitors/{id}", func(w http.ResponseWriter, r *http.Request) {
		if v, ok := s.Visitor(r.PathValue("id")); ok {
			writeJSON(w, http.StatusOK, visitorJSON{v, v.Attributes()})
			return
		}
		writeError(w, http.StatusNotFound, "no visitor "+strconv.Quote(r.PathValue("id")))
	})
	handle("GET /lptest/conversations", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Conversations())
	})
	handle("GET /lptest/conversations/{id}", func(w http.ResponseWriter, r *http.Request) {
		if c, ok := s.Conversation(r.PathValue("id")); ok {
			writeJSON(w, http.StatusOK, c)
			return
		}
		writeError(w, http.StatusNotFound, "no conversation "+strconv.Quote(r.PathValue("id")))
	})
	handle("GET /lptest/faults", func(w http.ResponseWriter, r *http.Request) {
		out := map[Route][]faultRequest{}
		for route, fs := range s.Faults() {
			out[route] = faultsJSON(route, fs)
		}
		writeJSON(w, http.StatusOK, out)
	})
	handle("POST /lptest/faults", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, err.Error())
			return
		}
		route, f, add, err := decodeFaultRequest(body)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.setFault(route, f, add)
		writeJSON(w, http.StatusOK, faultsJSON(route, s.Faults()[route]))
	})
	handle("DELETE /lptest/faults", func(w http.ResponseWriter, r *http.Request) {
		var routes []Route
		for _, name := range r.URL.Query()["route"] {
			if err := checkRoute(Route(name)); err != nil {
				writeError(w, http.StatusBadRequest, err.Error())
				return
			}
			routes = append(routes, Route(name))
		}
		s.ClearFaults(routes...)
		w.WriteHeader(http.StatusNoContent)
	})
	s.webhookRoutes(handle)
	handle("POST /lptest/reset", func(w http.ResponseWriter, r *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
}

// visitorJSON is a visitor with its merged attributes, for GET /lptest/visitors/{id}.
type visitorJSON struct {
	Visitor
	Attributes any `json:"attributes"`
}

// faultsJSON writes faults the way POST /lptest/faults reads them.
func faultsJSON(route Route, fs []Fault) []faultRequest {
	out := make([]faultRequest, 0, len(fs))
	for _, f := range fs {
		j := faultRequest{Route: route, Status: f.Status, Count: f.Count, RetryAfter: f.RetryAfter, Drop: f.Drop, Lose: f.Lose, Body: f.Body}
		if f.Delay > 0 {
			j.Delay = f.Delay.String()
		}
		out = append(out, j)
	}
	return out
}

// serveCalls answers GET /lptest/calls, filtered by the query parameters
// route, visitor, conversation and since (calls after that seq).
func (s *Server) serveCalls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	since := 0
	if v := q.Get("since"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "since: want a call's seq, got "+strconv.Quote(v))
			return
		}
		since = n
	}
	out := []Call{}
	for _, c := range s.Calls() {
		switch {
		case c.Seq <= since:
		case q.Has("route") && string(c.Route) != q.Get("route"):
		case q.Has("visitor") && c.Visitor != q.Get("visitor"):
		case q.Has("conversation") && c.Conversation != q.Get("conversation"):
		default:
			out = append(out, c)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// A Config is what a server serves, as GET /lptest/config shows it.
type Config struct {
	Host        string              `json:"host"`
	Services    []string            `json:"services"`
	Accounts    map[string][]string `json:"accounts"` // account -> app installation ids
	Clients     map[string]string   `json:"clients"`  // client_id -> client_secret: lptest's credentials are no secret
	Engagements []Engagement        `json:"engagements"`
}

// Config returns the server's configuration.
func (s *Server) Config() Config {
	c := Config{Host: s.host, Services: Services, Accounts: map[string][]string{}, Clients: map[string]string{},
		Engagements: append([]Engagement{}, s.cfg.engagements...)}
	for a, apps := range s.cfg.accounts {
		c.Accounts[a] = append([]string{}, apps...)
	}
	for id, secret := range s.cfg.clients {
		c.Clients[id] = secret
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
