package hub

import "testing"

func TestNormalizePrefix(t *testing.T) {
	for in, want := range map[string]string{"": "/", "/": "/", "services/x": "/services/x/", "/services/x/": "/services/x/", "//a//b": "/a/b/"} {
		if got := NormalizePrefix(in); got != want {
			t.Errorf("NormalizePrefix(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHasScope(t *testing.T) {
	for _, c := range []struct {
		scopes []string
		need   string
		want   bool
	}{
		{[]string{"access:services"}, "access:services!service=class-relay", true},
		{[]string{"access:services!service=class-relay"}, "access:services!service=class-relay", true},
		{[]string{"access:services!service=other"}, "access:services!service=class-relay", false},
		{[]string{"read:users!user=alice"}, "read:users", false},
		{[]string{"read:users"}, "read:users", true},
	} {
		if got := HasScope(c.scopes, c.need); got != c.want {
			t.Errorf("HasScope(%v, %q) = %v", c.scopes, c.need, got)
		}
	}
}
