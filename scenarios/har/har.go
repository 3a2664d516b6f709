// Package har turns a browser session recorded as a HAR file (HTTP Archive 1.2, what DevTools'
// "Save all as HAR" and Playwright's recordHar write) into a loadtest scenario with one flow:
// each request to the included hosts becomes a step, the gaps between them think times, and
// every value that an earlier response returned and a later request sends back (a JSON field,
// a header, a cookie, a value in an HTML body) an extraction in the earlier step and a
// template in the later one, so that the scenario still works when the server issues fresh
// tokens and ids. A redirect the browser followed is followed by the step that got it. Secrets
// in the recording (Authorization, cookies, passwords, tokens, API keys, login codes: see
// secrets.go) become variables for the user to fill in, one per distinct value. The scenario
// it writes always passes scenarios check.
package har

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrInvalid wraps every error about a HAR file's content (bad input).
var ErrInvalid = errors.New("har: invalid")

// file is the part of a HAR file the importer reads (http://www.softwareishard.com/blog/har-12-spec/).
type file struct {
	Log struct {
		Version string  `json:"version"`
		Entries []entry `json:"entries"`
	} `json:"log"`
}

type entry struct {
	StartedDateTime time.Time `json:"startedDateTime"`
	// Time is the entry's total elapsed time in milliseconds.
	Time         float64  `json:"time"`
	Request      request  `json:"request"`
	Response     response `json:"response"`
	ResourceType string   `json:"_resourceType"` // Chromium's and Playwright's extension
}

type request struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	Headers     []nameValue `json:"headers"`
	Cookies     []nameValue `json:"cookies"`
	QueryString []nameValue `json:"queryString"`
	PostData    *struct {
		MimeType string `json:"mimeType"`
		Text     string `json:"text"`
	} `json:"postData"`
}

type response struct {
	Status  int         `json:"status"`
	Headers []nameValue `json:"headers"`
	Cookies []nameValue `json:"cookies"`
	Content struct {
		MimeType string `json:"mimeType"`
		Text     string `json:"text"`
		Encoding string `json:"encoding"` // "base64" for binary content
	} `json:"content"`
	RedirectURL string `json:"redirectURL"`
}

type nameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// read decodes a HAR file; name names it in errors.
func read(name string, r io.Reader) (*file, error) {
	var f file
	dec := json.NewDecoder(r)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %s: not a HAR file (JSON with log.entries): %v", ErrInvalid, name, err)
	}
	if len(f.Log.Entries) == 0 {
		return nil, fmt.Errorf("%w: %s: log.entries is empty: record a session first (DevTools: Network, Save all as HAR)", ErrInvalid, name)
	}
	for i, e := range f.Log.Entries {
		if e.Request.Method == "" || e.Request.URL == "" {
			return nil, fmt.Errorf("%w: %s: log.entries[%d]: request without method or url", ErrInvalid, name, i)
		}
	}
	return &f, nil
}

// header returns the first value of the named header (case-insensitive), "" if none.
func header(hs []nameValue, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}
