package har

import (
	"net/url"
	"regexp"
	"strings"
)

// bodyTemplate templates a request body: in JSON bodies each scalar another response returned
// (and each secret field), in form bodies each parameter, in other text the distinctive
// values found in earlier responses.
func (b *builder) bodyTemplate(i int, mime, text string) string {
	switch {
	case jsonLeaves(text) != nil:
		return b.jsonBody(i, text)
	case strings.HasPrefix(strings.ToLower(mime), "application/x-www-form-urlencoded"):
		return b.formBody(i, text)
	case strings.HasPrefix(strings.ToLower(mime), "multipart/form-data"):
		return b.multipartBody(i, mime, text)
	default:
		return escapeTemplate(text)
	}
}

func (b *builder) jsonBody(i int, text string) string {
	out := escapeTemplate(text)
	for _, l := range jsonLeaves(text) {
		where := "body " + l.path
		t, ok := b.use(i, l.value, l.key, where)
		if !ok {
			if !secretField(l.key, b.kept[i].url.Path) {
				b.verbatim(i, l.value, where)
				continue
			}
			t = b.secret(i, l.key, l.value, where)
		}
		out = replaceJSONValue(out, l, t)
	}
	return out
}

// replaceJSONValue replaces the scalar l under its key in a JSON text by the template t:
// a string keeps its quotes ("{{ code }}"), a number becomes the bare action.
func replaceJSONValue(text string, l leaf, t string) string {
	key := regexp.QuoteMeta(jsonString(l.key))
	if l.number {
		re := regexp.MustCompile(`(` + key + `\s*:\s*)` + regexp.QuoteMeta(l.value) + `([^0-9.eE]|$)`)
		return re.ReplaceAllString(text, "${1}"+escapeDollar(t)+"${2}")
	}
	lit := jsonString(l.value)
	re := regexp.MustCompile(`(` + key + `\s*:\s*)` + regexp.QuoteMeta(lit))
	if re.MatchString(text) {
		return re.ReplaceAllString(text, "${1}"+escapeDollar(`"`+t+`"`))
	}
	return strings.ReplaceAll(text, lit, `"`+t+`"`) // an array element: no key before it
}

func escapeDollar(s string) string { return strings.ReplaceAll(s, "$", "$$") }

func (b *builder) formBody(i int, text string) string {
	var parts []string
	for _, part := range strings.Split(text, "&") {
		k, v, _ := strings.Cut(part, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			parts = append(parts, escapeTemplate(part))
			continue
		}
		where := "form " + key
		if t, ok := b.use(i, val, key, where); ok {
			parts = append(parts, escapeTemplate(k)+"="+urlencoded(t))
		} else if secretField(key, b.kept[i].url.Path) {
			parts = append(parts, escapeTemplate(k)+"="+urlencoded(b.secret(i, key, val, where)))
		} else {
			b.verbatim(i, val, where)
			parts = append(parts, escapeTemplate(part))
		}
	}
	return strings.Join(parts, "&")
}

// urlencoded makes the action "{{ v }}" "{{ v | urlencode }}": a form body's value is
// query-escaped, so a token with + or / or a password with & arrives as it was.
func urlencoded(action string) string {
	return strings.TrimSuffix(action, " }}") + " | urlencode }}"
}
