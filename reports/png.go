package reports

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

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
	canvas := vgimg.NewWith(vgimg.UseWH(chartWidth, chartHeight), vgimg.UseDPI(pngDPI), vgimg.UseBackgroundColor(color.White))
	c.Plot.Draw(draw.New(canvas))
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("reports: png: %w", err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("reports: png %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("reports: png %s: %w", path, err)
	}
	return nil
}
