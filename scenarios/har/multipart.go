package har

import (
	"mime"
	"strings"
)

// multipartBody templates the fields of a multipart/form-data body: a field an earlier
// response returned becomes its variable, a field named like a secret a secret; files and
// other fields stay as recorded. The text keeps its boundary (the recorded Content-Type
// header names it).
func (b *builder) multipartBody(i int, contentType, text string) string {
	_, params, err := mime.ParseMediaType(contentType)
	boundary := params["boundary"]
	if err != nil || boundary == "" {
		return escapeTemplate(text)
	}
	delim := "--" + boundary
	parts := strings.Split(text, delim)
	for k := 1; k < len(parts); k++ {
		parts[k] = b.multipartPart(i, parts[k])
	}
	return escapeTemplate(parts[0]) + delim + strings.Join(parts[1:], delim)
}

// multipartPart templates one part (the text between two delimiters: headers, a blank line,
// the value and the line break before the next delimiter).
func (b *builder) multipartPart(i int, part string) string {
	sep := "\r\n\r\n"
	hdrEnd := strings.Index(part, sep)
	if hdrEnd < 0 {
		sep = "\n\n"
		if hdrEnd = strings.Index(part, sep); hdrEnd < 0 {
			return escapeTemplate(part)
		}
	}
	head, value := part[:hdrEnd+len(sep)], part[hdrEnd+len(sep):]
	tail := ""
	if strings.HasSuffix(value, "\r\n") {
		value, tail = strings.TrimSuffix(value, "\r\n"), "\r\n"
	} else if strings.HasSuffix(value, "\n") {
		value, tail = strings.TrimSuffix(value, "\n"), "\n"
	}
	name, file := partName(head)
	if name == "" || file {
		return escapeTemplate(part)
	}
	where := "multipart " + name
	if t, ok := b.use(i, value, name, where); ok {
		return escapeTemplate(head) + t + tail
	}
	if secretField(name, b.kept[i].url.Path) {
		return escapeTemplate(head) + b.secret(i, name, value, where) + tail
	}
	b.verbatim(i, value, where)
	return escapeTemplate(part)
}

// partName reads a part's form field name from its Content-Disposition header, and whether
// the part is a file.
func partName(head string) (name string, file bool) {
	for _, line := range strings.Split(strings.ReplaceAll(head, "\r\n", "\n"), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "Content-Disposition") {
			continue
		}
		_, params, err := mime.ParseMediaType(strings.TrimSpace(v))
		if err != nil {
			return "", false
		}
		_, file = params["filename"]
		return params["name"], file
	}
	return "", false
}
