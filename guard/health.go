package guard

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/hogsend/hogsend-db/tracks"
)

// Handler serves the status document (Check) as JSON, for GET /v1/health:
// 200 for "healthy" and "migration_pending", 503 for "degraded". It answers
// GET and HEAD on whatever path it is mounted at; other methods get 405.
//
//	mux.Handle("GET /v1/health", g.Handler())
func (g *Guard) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		rep := g.Check(r.Context())
		var body bytes.Buffer
		if err := json.NewEncoder(&body).Encode(rep); err != nil {
			http.Error(w, "guard: encode health report", http.StatusInternalServerError)
			return
		}
		code := http.StatusOK
		if rep.Status == tracks.StatusDegraded {
			code = http.StatusServiceUnavailable
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		if r.Method == http.MethodGet {
			_, _ = w.Write(body.Bytes())
		}
	})
}
