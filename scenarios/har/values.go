package har

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/loadtestdev/loadtest/internal/lazyregexp"
)

// leaf is one scalar of a JSON document with its JSONPath ($.a.b, $.a[0].b) and the key it
// sits under (the last object key on its path).
type leaf struct {
	path, key, value string
	number           bool
}

// jsonLeaves returns the scalars of a JSON text in document order, nil if it is not JSON.
// Keys that a JSONPath cannot name plainly (dots, brackets, spaces) are skipped with their
// subtree.
func jsonLeaves(text string) []leaf {
	text = strings.TrimSpace(text)
	if text == "" || (text[0] != '{' && text[0] != '[') {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil
	}
	var out []leaf
	walk(doc, "$", "", &out)
	return out
}

var plainKey = lazyregexp.New(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func walk(v any, path, key string, out *[]leaf) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeysAny(x) {
			if plainKey.MatchString(k) {
				walk(x[k], path+"."+k, k, out)
			}
		}
	case []any:
		for i, e := range x {
			walk(e, path+"["+strconv.Itoa(i)+"]", key, out)
		}
	case string:
		*out = append(*out, leaf{path: path, key: key, value: x})
	case json.Number:
		*out = append(*out, leaf{path: path, key: key, value: x.String(), number: true})
	}
}

// sortedKeysAny returns an object's keys in the order they appear in the document would be
// best; encoding/json loses it, so keys are sorted for a stable result.
func sortedKeysAny(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}

// distinctive says whether a string value is specific enough that finding it in an earlier
// response means the request got it from there: not a word every response holds.
func distinctive(v string) bool {
	if len(v) < 4 {
		return false
	}
	switch strings.ToLower(v) {
	case "true", "false", "null", "none", "json", "application/json", "text/plain":
		return false
	}
	return true
}

// idKey says whether a JSON key names an identifier (uid, sid, user_id, userId, id): small
// numbers under such keys are correlated, other numbers only when long enough to be unlikely
// by chance.
func idKey(k string) bool {
	l := strings.ToLower(k)
	return l == "id" || strings.HasSuffix(l, "id") || strings.HasSuffix(l, "_id") || strings.HasSuffix(l, "ids")
}

var (
	reJWT  = lazyregexp.New(`^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$`)
	reUUID = lazyregexp.New(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	reHex  = lazyregexp.New(`^[0-9a-fA-F]{16,}$`)
	reLong = lazyregexp.New(`^[A-Za-z0-9._~+/=-]{16,}$`)
	reNum  = lazyregexp.New(`^[0-9]{6,}$`)
)

// looksLikeToken says whether a value that stays hard-coded is probably a token or an id the
// server issued (a JWT, a UUID, a long hex or base64 string, a long number): the importer
// reports those it could not correlate.
func looksLikeToken(v string) bool {
	if reJWT.MatchString(v) || reUUID.MatchString(v) || reHex.MatchString(v) || reNum.MatchString(v) {
		return true
	}
	if reLong.MatchString(v) {
		hasDigit, hasLetter := false, false
		for _, c := range v {
			hasDigit = hasDigit || ('0' <= c && c <= '9')
			hasLetter = hasLetter || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
		}
		return hasDigit && hasLetter
	}
	return false
}

// contextRegex builds a regular expression with one group that finds value in body from the
// text just before it (up to 24 bytes, not across a line), checked to find exactly value as
// its first match; "" when no such expression exists.
func contextRegex(body, value string) string {
	i := strings.Index(body, value)
	if i < 0 {
		return ""
	}
	start := max(0, i-24)
	prefix := body[start:i]
	if nl := strings.LastIndexAny(prefix, "\r\n"); nl >= 0 {
		prefix = prefix[nl+1:]
	} else if start > 0 {
		if sp := strings.IndexAny(prefix, " \t"); sp >= 0 && len(prefix)-sp > 4 {
			prefix = prefix[sp+1:] // start at a word, not inside one
		}
	}
	if len(prefix) < 3 {
		return ""
	}
	expr := regexp.QuoteMeta(prefix) + `([^"'&<>\s]+)`
	re, err := regexp.Compile(expr)
	if err != nil {
		return ""
	}
	m := re.FindStringSubmatch(body)
	if m == nil || m[1] != value {
		return ""
	}
	return expr
}

// escapeTemplate makes recorded text safe as a template: a literal "{{" becomes the action
// that writes it.
func escapeTemplate(s string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	return strings.ReplaceAll(s, "{{", `{{ "{{" }}`)
}

// jsonString is v as a JSON string literal.
func jsonString(v string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}
