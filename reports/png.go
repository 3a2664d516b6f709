package reports

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"

	"git.sr.ht/~sbinet/gg"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"

	"github.com/loadtestdev/loadtest/results"
)

// pngDPI is the resolution of the PNG charts: 8×4 inches at 150 dpi is 1200×600 pixels.
const pngDPI = 150

// WritePNG draws each chart of the result (see Charts) as a PNG file NAME.png in dir,
// creating dir if needed, and returns the paths written.
func WritePNG(dir string, r *results.Result) ([]string, error) {
	charts, err := Charts(r)
	if err != nil {
		return nil, err
	}
	if len(charts) == 0 {
		return nil, fmt.Errorf("reports: png: the result has no timeline, histogram or host samples to chart")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: png: %w", err)
	}
	var paths []string
	for _, c := range charts {
		path := filepath.Join(dir, c.Name+".png")
		if err := writeChartPNG(path, c); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// writeChartPNG renders one chart to a PNG file.
func writeChartPNG(path string, c Chart) error {
	img, err := chartImage(c)
	if err != nil {
		return fmt.Errorf("reports: png %s: %w", path, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("reports: png: %w", err)
	}
	if err := img.EncodePNG(f); err != nil {
		f.Close()
		return fmt.Errorf("reports: png %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("reports: png %s: %w", path, err)
	}
	return nil
}

// chartImage draws a chart on a white chartWidth × chartHeight image at pngDPI.
func chartImage(c Chart) (*gg.Context, error) {
	f, err := chartFont()
	if err != nil {
		return nil, err
	}
	const scale = pngDPI / 72.0
	dc := gg.NewContext(int(math.Round(chartWidth*scale)), int(math.Round(chartHeight*scale)))
	dc.SetColor(color.White)
	dc.Clear()
	p := &pngPainter{dc: dc, font: f, scale: scale, faces: map[float64]font.Face{}}
	defer p.close()
	if err := c.plot.draw(p); err != nil {
		return nil, err
	}
	return dc, nil
}

// pngPainter draws on a gg image, turning points into pixels.
type pngPainter struct {
	dc    *gg.Context
	font  *sfnt.Font
	scale float64 // pixels a point
	faces map[float64]font.Face
}

func (p *pngPainter) close() {
	for _, f := range p.faces {
		f.Close()
	}
}

func (p *pngPainter) stroke(c color.RGBA, width float64, dashes []float64) {
	p.dc.SetColor(c)
	p.dc.SetLineWidth(width * p.scale)
	px := make([]float64, len(dashes))
	for i, d := range dashes {
		px[i] = d * p.scale
	}
	p.dc.SetDash(px...)
	p.dc.Stroke()
}

func (p *pngPainter) path(pts []point, closed bool, c color.RGBA, width float64, dashes []float64) {
	for i, pt := range pts {
		if i == 0 {
			p.dc.MoveTo(pt.X*p.scale, pt.Y*p.scale)
		} else {
			p.dc.LineTo(pt.X*p.scale, pt.Y*p.scale)
		}
	}
	if closed {
		p.dc.ClosePath()
	}
	p.stroke(c, width, dashes)
}

func (p *pngPainter) circle(c point, r float64, col color.RGBA, width float64) {
	p.dc.NewSubPath()
	p.dc.DrawCircle(c.X*p.scale, c.Y*p.scale, r*p.scale)
	p.stroke(col, width, nil)
}

func (p *pngPainter) text(at point, s string, size, align float64, vertical bool) {
	face, ok := p.faces[size]
	if !ok {
		var err error
		face, err = opentype.NewFace(p.font, &opentype.FaceOptions{Size: size, DPI: pngDPI, Hinting: font.HintingFull})
		if err != nil {
			return // the font parsed, so only an absurd size fails here
		}
		p.faces[size] = face
	}
	x, y := at.X*p.scale, at.Y*p.scale
	p.dc.SetFontFace(face)
	p.dc.SetColor(color.Black)
	if vertical {
		p.dc.Push()
		p.dc.RotateAbout(-math.Pi/2, x, y)
		defer p.dc.Pop()
	}
	p.dc.DrawStringAnchored(s, x, y, align, 0)
}
