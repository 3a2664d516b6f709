package server

import (
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

type feedPage struct {
	Items      []feedItem `json:"items"`
	NextCursor string     `json:"next_cursor"`
}

// readFeed follows next_cursor from the first page to the last and returns the page sizes
// and every item.
func readFeed(t *testing.T, ts *httptest.Server, tok, limit string) ([]int, []feedItem) {
	t.Helper()
	var sizes []int
	var items []feedItem
	cursor := ""
	for range testUsers + 2 {
		q := url.Values{}
		if limit != "" {
			q.Set("limit", limit)
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var p feedPage
		mustJSON(t, ts, "GET", "/api/social/feed?"+q.Encode(), tok, nil, 200, &p)
		sizes = append(sizes, len(p.Items))
		items = append(items, p.Items...)
		if cursor = p.NextCursor; cursor == "" {
			return sizes, items
		}
	}
	t.Fatalf("the feed did not end after %d pages", testUsers+2)
	return nil, nil
}

func TestFeed(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			srv, ts := newTestServer(t, b)
			tests := []struct {
				name      string
				uid       int64
				limit     string
				wantSizes string
			}{
				{"default limit 20", 1, "", "[20 20 19]"}, // 59 others
				{"limit 7", 30, "7", "[7 7 7 7 7 7 7 7 3]"},
				{"exact pages", 60, "59", "[59]"}, // no empty page after a full one
				{"limit above the users", 2, "100", "[59]"},
				{"limit 1", 3, "1", fmt.Sprint(ones(testUsers - 1))},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					sizes, items := readFeed(t, ts, token(srv, tt.uid), tt.limit)
					if fmt.Sprint(sizes) != tt.wantSizes {
						t.Errorf("page sizes: got %v, want %s", sizes, tt.wantSizes)
					}
					me := SeedProfile(tt.uid)
					next := int64(1)
					matches := 0
					for _, it := range items {
						if next == tt.uid {
							next++
						}
						want := feedItem{Profile: SeedProfile(next), Matches: me.matches(SeedProfile(next))}
						if it != want {
							t.Fatalf("item for uid %d: got %+v, want %+v", next, it, want)
						}
						if it.Matches {
							matches++
						}
						next++
					}
					if next == tt.uid {
						next++
					}
					if next != testUsers+1 {
						t.Errorf("the feed ended before uid %d, want every user 1..%d but %d", next, testUsers, tt.uid)
					}
					t.Logf("uid %d: %d of %d users match", tt.uid, matches, len(items))
				})
			}
			testFeedBadInput(t, ts, token(srv, 1))
		})
	}
}

func ones(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = 1
	}
	return out
}

func testFeedBadInput(t *testing.T, ts *httptest.Server, tok string) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name, query, tok string
		wantCode         int
		wantMsg          string
	}{
		{"limit 0", "limit=0", tok, 400, "limit: \\\"0\\\": want an integer from 1 to 100"},
		{"limit 101", "limit=101", tok, 400, "from 1 to 100"},
		{"limit negative", "limit=-1", tok, 400, "from 1 to 100"},
		{"limit not a number", "limit=ten", tok, 400, "from 1 to 100"},
		{"limit empty", "limit=", tok, 400, "from 1 to 100"},
		{"cursor garbage", "cursor=%21%21", tok, 400, "cursor: \\\"!!\\\": want the next_cursor of the previous page"},
		{"cursor of uid 0", "cursor=" + enc("after:0"), tok, 400, "cursor"},
		{"cursor not a number", "cursor=" + enc("after:x"), tok, 400, "cursor"},
		{"cursor with a leading zero", "cursor=" + enc("after:03"), tok, 400, "cursor"},
		{"cursor of another shape", "cursor=" + enc("before:3"), tok, 400, "cursor"},
		{"cursor padded", "cursor=" + base64.URLEncoding.EncodeToString([]byte("after:3")), tok, 400, "cursor"},
		{"no token", "", "", 401, "bearer"},
		{"valid cursor", "cursor=" + enc("after:58") + "&limit=5", tok, 200, `"next_cursor":""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := call(t, ts, "GET", "/api/social/feed?"+tt.query, tt.tok, nil)
			if code != tt.wantCode || !strings.Contains(string(body), tt.wantMsg) {
				t.Errorf("got %d %s, want %d containing %s", code, body, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func FuzzFeedCursor(f *testing.F) {
	for _, seed := range []string{encodeFeedCursor(1), encodeFeedCursor(1 << 62), "", "!!", "YWZ0ZXI6MDM", "after:3"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, c string) {
		uid, ok := decodeFeedCursor(c)
		if !ok {
			return
		}
		if uid <= 0 || encodeFeedCursor(uid) != c {
			t.Fatalf("%q decodes to %d, which encodes to %q: want uid > 0 and the same cursor", c, uid, encodeFeedCursor(uid))
		}
	})
}
