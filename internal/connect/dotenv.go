package connect

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/joho/godotenv"
)

// lookupEnv returns the environment variable name, or its value in the .env
// file of the project that holds the notebook.
func (c *Connector) lookupEnv(name string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return c.env.values()[name]
}

// dotEnvCache holds the values of the project's .env file, read once.
type dotEnvCache struct {
	once sync.Once
	vals map[string]string
}

// ForgetDotEnv makes the next look-up read the .env file again (for tests,
// which change GONB_DIR).
func (c *Connector) ForgetDotEnv() { c.env = dotEnvCache{} }

// values reads the first .env file found in the notebook's directory or the
// directories above it, up to the one holding go.mod.
func (e *dotEnvCache) values() map[string]string {
	e.once.Do(func() {
		e.vals = map[string]string{}
		dir := os.Getenv("GONB_DIR")
		if dir == "" {
			dir, _ = os.Getwd()
		}
		for dir != "" {
			if vals, err := readDotEnv(filepath.Join(dir, ".env")); err == nil {
				e.vals = vals
				return
			}
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				return
			}
			dir = parent
		}
	})
	return e.vals
}

// readDotEnv parses a .env file the way dotenv tools do (godotenv): NAME=value
// lines, comments, "export" prefixes, quoted values and "# comments" after
// a value. A byte-order mark at the start is skipped. When the file does not
// parse as a whole, each line is read on its own and the lines that fail are
// named on standard error, without quoting them (they may hold a key).
func readDotEnv(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if vals, err := godotenv.UnmarshalBytes(data); err == nil {
		return vals, nil
	}
	vals := map[string]string{}
	var bad []string
	for i, line := range bytes.Split(data, []byte("\n")) {
		one, err := godotenv.UnmarshalBytes(line)
		if _, empty := one[""]; err != nil || empty {
			bad = append(bad, strconv.Itoa(i+1))
			continue
		}
		for k, v := range one {
			vals[k] = v
		}
	}
	if len(bad) == 0 {
		return vals, nil
	}
	fmt.Fprintf(os.Stderr, "⚠️ In the settings file %s, line %s could not be read and was ignored. "+
		"Each line must look like NAME=value (for example OPENROUTER_API_KEY=sk-or-...).\n",
		path, strings.Join(bad, ", "))
	return vals, nil
}
