package classview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/k12notebooks/golessons/classapi"
)

// maxUsageFile bounds the relay's usage file read: a class's is a few KiB.
const maxUsageFile = 32 << 20

// relayInfo is what the class relay says about the class today.
type relayInfo struct {
	// today maps students to today's usage; nil when there is no usage file.
	today map[string]*classapi.DayUsage
	// waiting is the number of requests in the relay's queue; -1 unknown.
	waiting int
	// notices say what could not be read, and what to do.
	notices []string
}

// readRelay reads the relay's usage file and asks its health endpoint how
// many requests wait, as the config says; either may be off.
func readRelay(ctx context.Context, cfg RelayConfig, client *http.Client, now time.Time) relayInfo {
	info := relayInfo{waiting: -1}
	if cfg.UsageFile != "" {
		doc, err := readUsageFile(cfg.UsageFile)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			info.today = map[string]*classapi.DayUsage{} // no request yet
			if _, derr := os.Stat(filepath.Dir(cfg.UsageFile)); derr != nil {
				info.notices = append(info.notices, fmt.Sprintf("The relay's usage file %s cannot be found (%v): set relay.usage_file to the relay's <state_dir>/usage.json.", cfg.UsageFile, derr))
			}
		case err != nil:
			info.notices = append(info.notices, err.Error())
		default:
			info.today = map[string]*classapi.DayUsage{}
			day := now.Format("2006-01-02") // the relay's local day
			for name, s := range doc.Students {
				if s != nil && s.Days[day] != nil {
					info.today[name] = s.Days[day]
				}
			}
		}
	}
	if cfg.HealthURL != "" {
		n, err := relayWaiting(ctx, cfg.HealthURL, client)
		if err != nil {
			info.notices = append(info.notices, err.Error())
		} else {
			info.waiting = n
		}
	}
	return info
}

// readUsageFile reads the relay's usage document (classapi.UsageDoc), which the
// relay replaces atomically.
func readUsageFile(path string) (*classapi.UsageDoc, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("Cannot read the relay's usage file: %v; run the class view as a user who may read it (the relay writes it with mode 0600: run both as root, or as the same user), or fix relay.usage_file", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxUsageFile+1))
	if err != nil {
		return nil, fmt.Errorf("Cannot read the relay's usage file %s: %v.", path, err)
	}
	if len(data) > maxUsageFile {
		return nil, fmt.Errorf("The relay's usage file %s is over %d MiB, which is not a usage file; check relay.usage_file", path, maxUsageFile>>20)
	}
	var doc classapi.UsageDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("The relay's usage file %s is not the relay's usage document (%v); check relay.usage_file", path, err)
	}
	return &doc, nil
}

// relayWaiting asks the relay's GET health how many requests wait.
func relayWaiting(ctx context.Context, url string, client *http.Client) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("The class relay did not answer at %s: %v; is it running? (relay.health_url)", url, err)
	}
	defer resp.Body.Close()
	var h struct {
		Waiting *int `json:"waiting"`
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&h)
	if resp.StatusCode != http.StatusOK || err != nil || h.Waiting == nil {
		return 0, fmt.Errorf("The class relay's %s answered %d without a waiting count; relay.health_url should end in /health.", url, resp.StatusCode)
	}
	return *h.Waiting, nil
}
