package har

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/loadtestdev/loadtest/internal/lazyregexp"
)

// builder turns the kept entries into steps, correlating as it goes.
type builder struct {
	o      Options
	kept   []selected
	steps  []*step
	target string
	corr   *correlator
	uses   map[string][]string // variable -> "step where"
	vars   [][2]string         // variables: name, value (secrets to fill in)
	// secretVars are the secrets' variables by name and value.
	secretVars map[string]string

	hardcoded []Hardcoded
	secrets   []Secret
}

func newBuilder(o Options, kept []selected) *builder {
	b := &builder{o: o, kept: kept, uses: map[string][]string{}, secretVars: map[string]string{}}
	taken := map[string]bool{}
	for i, e := range kept {
		last := e.final()
		s := &step{
			name:        stepName(e.Request.Method, e.url.Path, taken),
			method:      methodOrGet(e.Request.Method),
			status:      last.Response.Status,
			follow:      len(e.followed),
			respBody:    responseText(last.Response),
			respHeaders: last.Response.Headers,
			setCookies:  setCookies(e.Response),
		}
		for _, f := range e.followed {
			s.setCookies = append(s.setCookies, setCookies(f.Response)...)
		}
		if i > 0 && !o.NoThink {
			s.think = thinkBefore(kept[i-1].final(), e.entry, o.MinThink)
		}
		b.steps = append(b.steps, s)
	}
	b.target = kept[0].url.Scheme + "://" + kept[0].url.Host
	b.corr = newCorrelator(b.steps)
	return b
}

// responseText is the response body as text ("" for binary content).
func responseText(r response) string {
	if r.Content.Encoding == "base64" {
		return ""
	}
	return r.Content.Text
}

// setCookies are the cookies a response set: its HAR cookies, or its Set-Cookie headers.
func setCookies(r response) []nameValue {
	if len(r.Cookies) > 0 {
		return r.Cookies
	}
	var out []nameValue
	hdr := http.Header{}
	for _, h := range r.Headers {
		hdr.Add(h.Name, h.Value)
	}
	for _, c := range (&http.Response{Header: hdr}).Cookies() {
		out = append(out, nameValue{Name: c.Name, Value: c.Value})
	}
	return out
}

func (b *builder) build() {
	for i, e := range b.kept {
		s := b.steps[i]
		s.pathTmpl = b.pathTemplate(i, e.url)
		if origin := e.url.Scheme + "://" + e.url.Host; origin != b.target {
			s.pathTmpl = origin + s.pathTmpl // another included host: an absolute URL, not the target
		}
		s.headers = b.headerTemplates(i, e.Request)
		if e.Request.PostData != nil {
			s.body = b.bodyTemplate(i, e.Request.PostData.MimeType, e.Request.PostData.Text)
		}
	}
}

// use finds value for step i and returns its template, or value as recorded.
func (b *builder) use(i int, value, key, where string) (string, bool) {
	v, ok := b.corr.find(i, value, key)
	if !ok {
		return value, false
	}
	b.uses[v] = appendNew(b.uses[v], b.steps[i].name+" "+where)
	return "{{ " + v + " }}", true
}

// verbatim notes a value left as recorded, reporting it when it looks issued by a server.
func (b *builder) verbatim(i int, value, where string) {
	if looksLikeToken(value) {
		b.hardcoded = append(b.hardcoded, Hardcoded{Step: b.steps[i].name, Where: where, Value: value})
	}
}

// secret declares a variable for a recorded secret and returns its template. The variable is
// named after the secret's source (password, access_token, authorization, cookie_sid); the
// same value under the same name reuses it, a different one gets a variable of its own
// (authorization_2), so two values never share one.
func (b *builder) secret(i int, name, value, where string) string {
	base := variableName(name)
	if base == "" || reserved(base) {
		base = "secret"
	}
	id := base + "\x00" + value
	if v, ok := b.secretVars[id]; ok {
		return "{{ " + v + " }}"
	}
	v := base
	for n := 2; b.corr.taken(v); n++ {
		v = base + "_" + strconv.Itoa(n)
	}
	b.corr.secrets[v] = true
	b.secretVars[id] = v
	kept := b.o.KeepSecrets
	val := "CHANGE-ME"
	if kept {
		val = value
	}
	b.vars = append(b.vars, [2]string{v, val})
	b.secrets = append(b.secrets, Secret{Variable: v, Step: b.steps[i].name, Where: where, Kept: kept})
	return "{{ " + v + " }}"
}

// pathTemplate templates a request's path and query. A path is never one template as a whole
// ('{{ location }}'): the redirects a browser followed are followed by the step that got them
// (redirect.go); a path segment or a query value an earlier response returned is a variable.
func (b *builder) pathTemplate(i int, u *url.URL) string {
	segs := strings.Split(u.EscapedPath(), "/")
	for k, seg := range segs {
		raw, err := url.PathUnescape(seg)
		if err != nil || raw == "" || !(hasDigit(raw) || looksLikeToken(raw)) {
			segs[k] = escapeTemplate(seg)
			continue // a word of the route (users, profile), not a value a server issued
		}
		if t, ok := b.use(i, raw, "", "path"); ok {
			segs[k] = t
		} else {
			b.verbatim(i, raw, "path")
			segs[k] = escapeTemplate(seg)
		}
	}
	p := strings.Join(segs, "/")
	if p == "" {
		p = "/" // http://host is http://host/
	}
	if j := b.corr.locationOf(i, u.RequestURI()); j >= 0 && !strings.Contains(p, "{{") {
		b.hardcoded = append(b.hardcoded, Hardcoded{Step: b.steps[i].name, Where: "path", Value: u.RequestURI(),
			Why: "it is the Location header " + b.steps[j].name + " got, and a path cannot be a template as a whole"})
	}
	if u.RawQuery == "" {
		return p
	}
	var q []string
	for _, kv := range queryValues(u) {
		val := url.QueryEscape(kv[1])
		if t, ok := b.use(i, kv[1], kv[0], "query "+kv[0]); ok {
			val = t
		} else if secretField(kv[0], u.Path) {
			val = b.secret(i, kv[0], kv[1], "query "+kv[0])
		} else {
			b.verbatim(i, kv[1], "query "+kv[0])
			val = escapeTemplate(val)
		}
		q = append(q, escapeTemplate(url.QueryEscape(kv[0]))+"="+val)
	}
	return p + "?" + strings.Join(q, "&")
}

var authScheme = lazyregexp.New(`^([A-Za-z]+) +(.+)$`)

// credential templates a header that carries credentials (Authorization, Proxy-Authorization,
// X-Api-Key): the scheme stays ("Bearer ", "Basic "), the credential is the value an earlier
// response returned, else a secret named after the header.
func (b *builder) credential(i int, name, val, where string) string {
	scheme, cred := "", val
	if m := authScheme.FindStringSubmatch(val); m != nil && strings.Contains(strings.ToLower(name), "authorization") {
		scheme, cred = m[1]+" ", m[2]
	}
	if t, ok := b.use(i, cred, "", where); ok {
		return scheme + t
	}
	return scheme + b.secret(i, name, cred, where)
}

func (b *builder) headerTemplates(i int, r request) [][2]string {
	var out [][2]string
	for _, h := range r.Headers {
		if !keptHeader(h.Name) {
			continue
		}
		where := "header " + h.Name
		val := h.Value
		if credentialHeader(h.Name) {
			val = b.credential(i, h.Name, val, where)
		} else if t, ok := b.use(i, val, "", where); ok {
			val = t
		} else {
			b.verbatim(i, val, where)
			val = escapeTemplate(val)
		}
		out = append(out, [2]string{canonicalHeader(h.Name), val})
	}
	if c := b.unsetCookies(i, r); c != "" {
		out = append(out, [2]string{"Cookie", c})
	}
	return out
}

// unsetCookies is a Cookie header for the cookies request i sends that no earlier recorded
// response set (the session the recording started with): secrets to fill in. The others come
// from the iteration's cookie jar.
func (b *builder) unsetCookies(i int, r request) string {
	var parts []string
	for _, ck := range r.Cookies {
		if b.setBefore(i, ck.Name) {
			continue
		}
		parts = append(parts, ck.Name+"="+b.secret(i, "cookie_"+ck.Name, ck.Value, "cookie "+ck.Name))
	}
	return strings.Join(parts, "; ")
}

func (b *builder) setBefore(i int, name string) bool {
	for j := 0; j < i; j++ {
		for _, ck := range b.steps[j].setCookies {
			if ck.Name == name {
				return true
			}
		}
	}
	return false
}

func canonicalHeader(name string) string {
	if strings.HasPrefix(name, ":") {
		return name
	}
	return http.CanonicalHeaderKey(name)
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func (b *builder) correlations() []Correlation {
	var out []Correlation
	for _, s := range b.steps {
		for _, ex := range s.extract {
			out = append(out, Correlation{Variable: ex.variable, Step: s.name, Source: ex.kind + " " + ex.expr, UsedIn: b.uses[ex.variable]})
		}
	}
	return out
}
