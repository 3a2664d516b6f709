package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
)

// TestConcurrentIdenticalLikes sends 200 identical likes at once: every response must be 2xx,
// the swipes table must hold exactly one row, and the rank must count the like once.
func TestConcurrentIdenticalLikes(t *testing.T) {
	const n, uid, sid = 200, 3, 4
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			srv, ts := newTestServer(t, b)
			tok := token(srv, uid)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
			defer client.CloseIdleConnections()
			var wg sync.WaitGroup
			codes := make([]int, n)
			errs := make([]error, n)
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					req, _ := http.NewRequest("POST", ts.URL+"/api/social/like", bytes.NewBufferString(fmt.Sprintf(`{"sid":%d}`, sid)))
					req.Header.Set("Authorization", "Bearer "+tok)
					resp, err := client.Do(req)
					if err != nil {
						errs[i] = err
						return
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					codes[i] = resp.StatusCode
					if resp.StatusCode != 200 {
						errs[i] = fmt.Errorf("status %d: %s", resp.StatusCode, body)
					}
				}()
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("like %d: %v", i, err)
				}
			}
			st := srv.store.(*sqlStore)
			var rows int
			q := st.d.rebind("SELECT COUNT(*) FROM " + st.prefix + "swipes WHERE uid = ? AND sid = ?")
			if err := st.w.QueryRow(q, uid, sid).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if rows != 1 {
				t.Errorf("got %d swipe rows, want 1", rows)
			}
			var rank struct{ Rank []RankEntry }
			mustJSON(t, ts, "GET", "/api/social/rank", tok, nil, 200, &rank)
			if len(rank.Rank) != 1 || rank.Rank[0] != (RankEntry{UID: sid, Score: likePoints}) {
				t.Errorf("rank: got %+v, want [{%d %d}]", rank.Rank, sid, likePoints)
			}
		})
	}
}
