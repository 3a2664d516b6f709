package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode"
)

// apiError is the body of every error response: {"error": "..."}.
type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"error":"encode response"}`)
	}
	writeRawJSON(w, status, data)
}

func writeRawJSON(w http.ResponseWriter, status int, data []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(data)+1))
	w.WriteHeader(status)
	w.Write(data)
	w.Write([]byte{'\n'})
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg})
}

// requestBody is a type a handler decodes a JSON body into. Its shape describes, for error
// messages, the JSON the client should send, e.g. `a JSON object {"sid": UID}`.
type requestBody interface {
	shape() string
}

// decodeJSON reads one JSON object of at most jsonBodyLimit bytes into v, whatever the
// Content-Type says (curl -d sends a form type). It rejects a body that is not an object,
// keys given twice in one object (at any depth; keys compare as encoding/json matches them to
// fields, case-insensitively), unknown fields and trailing data. On failure it writes the 4xx
// response, naming the key, field or shape at fault, and returns false.
func decodeJSON(w http.ResponseWriter, r *http.Request, v requestBody) bool {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, jsonBodyLimit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit))
		return false
	case err != nil:
		writeError(w, http.StatusBadRequest, "read body: "+err.Error())
		return false
	}
	if msg := checkObject(data, v.shape()); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("trailing data after the JSON object")
		}
	}
	if err == nil {
		return true
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		writeError(w, http.StatusBadRequest, typeErrorMessage(typeErr, v.shape()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		writeError(w, http.StatusBadRequest, "unknown field "+strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		writeError(w, http.StatusBadRequest, "malformed JSON: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	return false
}

// checkObject reads the first JSON value of data and returns why it is not an acceptable
// body: empty, not an object, or an object (at any depth) with a key given twice. It returns
// "" when it finds nothing wrong, also on a syntax error, which the decoder then reports.
func checkObject(data []byte, shape string) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	switch {
	case err == io.EOF:
		return "empty body: want " + shape
	case err != nil:
		return ""
	case tok != json.Delim('{'):
		return fmt.Sprintf("body: want %s, got %s", shape, tokenKind(tok))
	}
	// One frame per open object or array: an object's keys so far (by folded spelling, with
	// the spelling first given) and the key being read, or an array's next index. Paths are
	// built only for the message, so deep nesting costs linear time.
	type frame struct {
		keys  map[string]string // nil for an array
		key   string
		index int
	}
	stack := []frame{{keys: map[string]string{}}}
	for len(stack) > 0 {
		if len(stack) > maxJSONDepth {
			return "" // the decoder reports the depth
		}
		top := &stack[len(stack)-1]
		if !dec.More() {
			if _, err := dec.Token(); err != nil { // the closing '}' or ']'
				return ""
			}
			stack = stack[:len(stack)-1]
			continue
		}
		if top.keys != nil {
			tok, err := dec.Token()
			if err != nil {
				return ""
			}
			key := tok.(string) // object keys are always strings
			if first, dup := top.keys[foldKey(key)]; dup {
				path := ""
				for _, f := range stack[:len(stack)-1] {
					if f.keys != nil {
						path = joinPath(path, f.key)
					} else {
						path += fmt.Sprintf("[%d]", f.index-1)
					}
				}
				return duplicateKeyMessage(path, key, first)
			}
			top.keys[foldKey(key)] = key
			top.key = key
		} else {
			top.index++
		}
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{keys: map[string]string{}})
		case json.Delim('['):
			stack = append(stack, frame{})
		}
	}
	return ""
}

// maxJSONDepth is the nesting encoding/json accepts; checkObject stops there too.
const maxJSONDepth = 10000

func duplicateKeyMessage(objectPath, key, first string) string {
	msg := fmt.Sprintf("duplicate key %q", key)
	if objectPath != "" {
		msg += fmt.Sprintf(" in %s", objectPath)
	}
	if first != key {
		msg += fmt.Sprintf(" (the same field as %q)", first)
	}
	return msg + ": give each key once"
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// foldKey maps the spellings of a key that encoding/json matches to the same struct field
// (it ignores case, Unicode simple folding included) to one string.
func foldKey(key string) string {
	return strings.Map(func(r rune) rune { return unicode.ToUpper(unicode.ToLower(r)) }, key)
}

// tokenKind names the JSON value a token starts, for "got ..." in error messages.
func tokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return strconv.FormatBool(t)
	case nil:
		return "null"
	}
	return "something else"
}

// typeErrorMessage says which field (or the whole body) has the wrong JSON type, in JSON
// terms rather than Go's: "age: want an integer, got a string".
func typeErrorMessage(e *json.UnmarshalTypeError, shape string) string {
	got := e.Value
	switch {
	case got == "array" || got == "object":
		got = "an " + got
	case got == "string" || got == "number":
		got = "a " + got
	case got == "bool":
		got = "a boolean"
	case strings.HasPrefix(got, "number "):
		got = strings.TrimPrefix(got, "number ")
	}
	if e.Field == "" {
		return fmt.Sprintf("body: want %s, got %s", shape, got)
	}
	return fmt.Sprintf("%s: want %s, got %s", e.Field, jsonKindOf(e.Type), got)
}

// jsonKindOf names the JSON value that decodes into a Go type.
func jsonKindOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}
