package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"strconv"
)

// svgPainter writes a chart as SVG fit for inlining in HTML5: no XML prolog and no namespace
// (the HTML parser knows <svg>, and the page then holds no URL at all), presentation
// attributes rather than CSS, text as <text> in Liberation Sans with the usual fallbacks.
type svgPainter struct{ buf bytes.Buffer }

// num writes v with at most two decimals (a hundredth of a point is far below a pixel).
func (s *svgPainter) num(v float64) {
	s.buf.WriteString(strconv.FormatFloat(math.Round(v*100)/100+0, 'f', -1, 64))
}

func svgColor(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

func (s *svgPainter) path(pts []point, closed bool, c color.RGBA, width float64, dashes []float64) {
	if len(pts) == 0 {
		return
	}
	s.buf.WriteString(`<path d="`)
	for i, p := range pts {
		if i == 0 {
			s.buf.WriteByte('M')
		} else {
			s.buf.WriteByte('L')
		}
		s.num(p.X)
		s.buf.WriteByte(',')
		s.num(p.Y)
	}
	if closed {
		s.buf.WriteByte('Z')
	}
	fmt.Fprintf(&s.buf, `" stroke="%s" stroke-width="%s"`, svgColor(c), strconv.FormatFloat(width, 'f', -1, 64))
	if len(dashes) > 0 {
		s.buf.WriteString(` stroke-dasharray="`)
		for i, d := range dashes {
			if i > 0 {
				s.buf.WriteByte(',')
			}
			s.num(d)
		}
		s.buf.WriteByte('"')
	}
	s.buf.WriteString("/>\n")
}

func (s *svgPainter) circle(c point, r float64, col color.RGBA, width float64) {
	// A path of two arcs, so that a chart is <path> and <text> only.
	s.buf.WriteString(`<path d="M`)
	s.num(c.X + r)
	s.buf.WriteByte(',')
	s.num(c.Y)
	for _, x := range []float64{c.X - r, c.X + r} {
		s.buf.WriteString("A")
		s.num(r)
		s.buf.WriteByte(',')
		s.num(r)
		s.buf.WriteString(" 0 0 1 ")
		s.num(x)
		s.buf.WriteByte(',')
		s.num(c.Y)
	}
	fmt.Fprintf(&s.buf, `Z" stroke="%s" stroke-width="%s"/>`+"\n", svgColor(col), strconv.FormatFloat(width, 'f', -1, 64))
}

func (s *svgPainter) text(at point, txt string, size, align float64, vertical bool) {
	s.buf.WriteString(`<text fill="#000" x="`)
	s.num(at.X)
	s.buf.WriteString(`" y="`)
	s.num(at.Y)
	s.buf.WriteString(`" font-size="`)
	s.num(size)
	s.buf.WriteByte('"')
	switch align {
	case 0.5:
		s.buf.WriteString(` text-anchor="middle"`)
	case 1:
		s.buf.WriteString(` text-anchor="end"`)
	}
	if vertical {
		s.buf.WriteString(` transform="rotate(-90 `)
		s.num(at.X)
		s.buf.WriteByte(' ')
		s.num(at.Y)
		s.buf.WriteString(`)"`)
	}
	s.buf.WriteByte('>')
	template.HTMLEscape(&s.buf, []byte(txt))
	s.buf.WriteString("</text>\n")
}

// chartSVG renders a chart as an inline <svg> element, its width set by the page.
func chartSVG(c Chart) (template.HTML, error) {
	var s svgPainter
	fmt.Fprintf(&s.buf, `<svg role="img" aria-label="%s" class="chart" id="chart-%s" viewBox="0 0 %g %g">`+"\n",
		template.HTMLEscapeString(c.Title), template.HTMLEscapeString(c.Name), chartWidth, chartHeight)
	fmt.Fprintf(&s.buf, `<g fill="none" font-family="%s">`+"\n", template.HTMLEscapeString(fontFamily))
	// Lines are not filled; <text> sets its own fill.
	if err := c.plot.draw(&s); err != nil {
		return "", fmt.Errorf("reports: chart %s: %w", c.Name, err)
	}
	s.buf.WriteString("</g>\n</svg>")
	return template.HTML(s.buf.String()), nil // #nosec: our own numbers, and labels escaped above
}
