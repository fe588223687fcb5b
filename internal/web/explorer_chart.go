package web

import (
	"fmt"
	"math"
	"time"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/store"
)

// Chart geometry, in SVG user units (the stylesheet scales the SVG to the
// card's width).
const (
	chartW     = 320.0
	chartH     = 120.0
	chartLeft  = 34.0 // room for the y-axis labels
	chartRight = 4.0
	chartTop   = 8.0
	chartBot   = 22.0 // room for the x-axis labels
)

// chart is a theme's tension chart: the share of stories flagged per bucket,
// drawn as bars, each linking to the flagged stories of its bucket.
type chart struct {
	Theme, Class string
	ID           string // for aria-labelledby
	Title, Desc  string
	W, H         float64
	Bars         []chartBar
	YTicks       []chartTick
	XTicks       []chartTick
	// Axis line endpoints.
	X0, X1, Y0, Y1 float64
	// Flagged and Stories over the whole range.
	Flagged, Stories int64
	ListURL          string
}

type chartBar struct {
	X, Y, W, H float64
	Title      string
	URL        string
}

type chartTick struct {
	X, Y  float64
	Label string
}

// buildChart lays out one theme's points (in time order, each spanning
// step). link builds the list URL of a time range.
func buildChart(theme, class string, pts []store.SeriesPoint, step time.Duration, link func(from, to time.Time) string) chart {
	c := chart{
		Theme: theme, Class: class, ID: "chart-" + theme, W: chartW, H: chartH,
		X0: chartLeft, X1: chartW - chartRight, Y0: chartH - chartBot, Y1: chartTop,
	}
	maxShare := 0.0
	for _, p := range pts {
		c.Flagged += p.Flagged
		c.Stories += p.Stories
		maxShare = math.Max(maxShare, share(p))
	}
	top := niceCeil(maxShare)
	plotW := c.X1 - c.X0
	plotH := c.Y0 - c.Y1
	var peak store.SeriesPoint
	if n := len(pts); n > 0 {
		bw := plotW / float64(n)
		for i, p := range pts {
			sh := share(p)
			h := plotH * sh / top
			if sh > share(peak) {
				peak = p
			}
			end := p.Start.Add(step)
			c.Bars = append(c.Bars, chartBar{
				X: round2(c.X0 + float64(i)*bw + 0.5), Y: round2(c.Y0 - h),
				W: round2(math.Max(bw-1, 0.5)), H: round2(h),
				Title: fmt.Sprintf("%s – %s: %d of %d stories flagged (%s)",
					p.Start.UTC().Format("Mon 2 Jan 15:04"), end.UTC().Format("15:04 UTC"), p.Flagged, p.Stories, percent(sh)),
				URL: link(p.Start, end),
			})
		}
		first, last := pts[0].Start, pts[n-1].Start.Add(step)
		c.XTicks = []chartTick{
			{X: c.X0, Y: chartH - 6, Label: first.UTC().Format("2 Jan")},
			{X: c.X1, Y: chartH - 6, Label: last.UTC().Format("2 Jan 15:04")},
		}
		c.ListURL = link(first, last)
		c.Desc = fmt.Sprintf("%d of %d stories flagged from %s to %s.", c.Flagged, c.Stories, readableTime(first), readableTime(last))
		if peak.Flagged > 0 {
			c.Desc += fmt.Sprintf(" Peak %s in the %s bucket starting %s.", percent(share(peak)), config.Duration(step), readableTime(peak.Start))
		}
	}
	c.YTicks = []chartTick{
		{X: c.X0 - 4, Y: c.Y0, Label: "0%"},
		{X: c.X0 - 4, Y: c.Y1 + 8, Label: percent(top)},
	}
	c.Title = fmt.Sprintf("%s: share of stories flagged per %s", theme, config.Duration(step))
	return c
}

func share(p store.SeriesPoint) float64 {
	if p.Stories == 0 {
		return 0
	}
	return float64(p.Flagged) / float64(p.Stories)
}

// niceCeil rounds a share up to a readable axis maximum, so small shares are
// not flattened against a 100% axis and the label is a round number.
func niceCeil(v float64) float64 {
	for _, s := range []float64{0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1} {
		if v <= s {
			return s
		}
	}
	return 1
}

func percent(v float64) string {
	if v == 0 {
		return "0%"
	}
	if v < 0.1 {
		return fmt.Sprintf("%.1f%%", v*100)
	}
	return fmt.Sprintf("%.0f%%", v*100)
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
