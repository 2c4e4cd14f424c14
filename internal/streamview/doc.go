// Package streamview shows a streamed chat completion in a notebook cell as
// it arrives: a live view that renders the Markdown (goldmark, made safe by
// bluemonday) in outputs updated in place, a plain-text view outside a
// notebook, the side-by-side comparison of streaming and waiting, the
// Printer that coalesces small writes, the class relay's queue notice, and
// the HTML around them (views/). Outputs reach the notebook through package
// kernel.
package streamview
