package classapi

import (
	"slices"
	"strings"
	"testing"
)

func TestParseGuardVerdict(t *testing.T) {
	cases := []struct {
		in     string
		unsafe bool
		codes  []string
		bad    bool
	}{
		{"safe", false, nil, false},
		{"  Safe\n", false, nil, false},
		{"unsafe\nS1", true, []string{"S1"}, false},
		{"unsafe\nS1,S10", true, []string{"S1", "S10"}, false},
		{"unsafe\n s11 , S12 ", true, []string{"S11", "S12"}, false},
		{"unsafe", true, nil, false},
		{"I cannot help with that", false, nil, true},
		{"unsafe\nviolence", true, nil, true},
	}
	for _, c := range cases {
		unsafe, codes, err := ParseGuardVerdict(c.in)
		if (err != nil) != c.bad || unsafe != c.unsafe || !slices.Equal(codes, c.codes) {
			t.Errorf("ParseGuardVerdict(%q) = %v, %v, %v", c.in, unsafe, codes, err)
		}
	}
	for _, codes := range [][]string{nil, {"S1"}, {"S3", "S11"}} {
		unsafe, got, err := ParseGuardVerdict(GuardVerdict(codes))
		if err != nil || unsafe != (len(codes) > 0) || !slices.Equal(got, codes) {
			t.Errorf("GuardVerdict(%v) does not parse back: %v %v %v", codes, unsafe, got, err)
		}
	}
}

func TestGuardAlertsMapsCodes(t *testing.T) {
	got := GuardAlerts(PartPrompt, []string{"S11", "S2", "S3", "S4", "S7"})
	want := []Alert{{CategorySelfHarm, PartPrompt, SourceSafetyModel, "S11"}, {CategoryAbuse, PartPrompt, SourceSafetyModel, "S3"},
		{CategoryPersonalData, PartPrompt, SourceSafetyModel, "S7"}}
	if !slices.Equal(got, want) {
		t.Errorf("GuardAlerts = %v, want %v", got, want)
	}
}

func TestDefaultSettingsCheck(t *testing.T) {
	s := DefaultSettings()
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	for _, c := range Categories() {
		if len(s.Words[c]) == 0 || s.Action(c) != ActionAlert {
			t.Errorf("category %s has no default words or is not alert-only", c)
		}
	}
	bad := Settings{Actions: map[string]string{"gossip": "block", CategorySexual: "ban"}, Words: map[string][]string{CategoryAbuse: {"/(/"}}}
	err := bad.Check()
	for _, want := range []string{`"gossip" is not an alert category`, `must be "alert" or "block", not "ban"`, "does not compile"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check() = %v, want it to say %q", err, want)
		}
	}
}

func TestPreviewCutsAtACharacter(t *testing.T) {
	if got := Preview("héllo", 2); got != "h…" {
		t.Errorf("Preview = %q", got)
	}
	if got := Preview("abc", 3); got != "abc" {
		t.Errorf("Preview = %q", got)
	}
}
