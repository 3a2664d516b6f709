package server

import (
	_ "embed"
	"net/http"
)

// appPage is GET /app: a page of plain HTML and JavaScript that logs in through the Swiper API
// (vcode, login; --dev returns the code) and uses the token it got (profile, rcmd, a like of
// the first recommended user, friends, rank). It is what a browser session looks like to
// the server, for recording a HAR and importing it as a scenario.
//
//go:embed app/index.html
var appPage []byte

func (s *Server) handleApp(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(appPage)
}
