package server

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Limits of GET /api/social/feed.
const (
	DefaultFeedLimit = 20
	MaxFeedLimit     = 100
	feedCursorPrefix = "after:"
)

// feedItem is a user of the feed and whether the caller's gender, age and distance filters
// accept them (the test /api/social/rcmd applies).
type feedItem struct {
	Profile
	Matches bool `json:"matches"`
}

// handleFeed pages through every user but the caller in uid order: ?limit=N (1..100, default
// 20) items after ?cursor=C (an opaque string from the previous page; none for the first).
// next_cursor is "" on the last page.
func (s *Server) handleFeed(w http.ResponseWriter, r *http.Request, uid int64) {
	q := r.URL.Query()
	limit, after, msg := DefaultFeedLimit, int64(0), ""
	if v := q.Get("limit"); q.Has("limit") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxFeedLimit {
			msg = fmt.Sprintf("limit: %q: want an integer from 1 to %d", v, MaxFeedLimit)
		}
		limit = n
	}
	if v := q.Get("cursor"); v != "" {
		var ok bool
		if after, ok = decodeFeedCursor(v); !ok {
			msg = fmt.Sprintf("cursor: %q: want the next_cursor of the previous page, or none for the first page", v)
		}
	}
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	me, _, err := s.profile(r.Context(), uid)
	if err != nil {
		s.profileError(w, uid, err)
		return
	}
	users, err := s.store.UsersAfter(r.Context(), after, uid, limit+1) // one more: is there a next page?
	if err != nil {
		s.internalError(w, "database", err)
		return
	}
	next := ""
	if len(users) > limit {
		users = users[:limit]
		next = encodeFeedCursor(users[limit-1].UID)
	}
	items := make([]feedItem, len(users))
	for i, u := range users {
		items[i] = feedItem{Profile: u, Matches: me.matches(u)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": next})
}

// encodeFeedCursor makes the opaque cursor of the page after uid.
func encodeFeedCursor(uid int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(feedCursorPrefix + strconv.FormatInt(uid, 10)))
}

// decodeFeedCursor reads a cursor of encodeFeedCursor.
func decodeFeedCursor(c string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	digits, ok := strings.CutPrefix(string(raw), feedCursorPrefix)
	if !ok {
		return 0, false
	}
	uid, err := strconv.ParseInt(digits, 10, 64)
	// Only the canonical form: the decoder forgives line breaks, stray bits and leading
	// zeros, and a page must have one cursor.
	if err != nil || uid <= 0 || encodeFeedCursor(uid) != c {
		return 0, false
	}
	return uid, true
}
