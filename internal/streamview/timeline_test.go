package streamview

import (
	"strings"
	"testing"
	"time"
)

func TestTimelineSVG(t *testing.T) {
	c := Comparison{
		Waiting: CompareSide{Text: "abcd", FirstText: 4 * time.Second, Total: 4 * time.Second,
			Marks: []TextMark{{At: 4 * time.Second, Bytes: 4}}},
		Streaming: CompareSide{Text: "abcd", Thinking: 200 * time.Millisecond, FirstText: time.Second,
			Total: 3 * time.Second, Marks: []TextMark{{At: time.Second, Bytes: 2}, {At: 3 * time.Second, Bytes: 4}}},
	}
	svg := renderView("timeline", newTimeline(c))
	if strings.Count(svg, "<polyline") != 2 || !strings.Contains(svg, ">4 s<") || !strings.HasSuffix(svg, "</svg>") || !strings.Contains(svg, ">thinking<") {
		t.Errorf("svg = %s", svg)
	}
}
