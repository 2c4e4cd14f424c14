package connect

import (
	"testing"
)

func TestRedactFindsSecretsByShape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"http://alice:pa55word@hub.example/v1", "http://[hidden]@hub.example/v1"},
		{"https://tok3n123@hub.example/v1/chat", "https://[hidden]@hub.example/v1/chat"},
		{"GET https://h/v1?key=AIzaSy123&x=1", "GET https://h/v1?key=[hidden]&x=1"},
		{"url https://h/v1?api_key=abc&token=def", "url https://h/v1?api_key=[hidden]&token=[hidden]"},
		{"access_token=zzz9 in a form", "access_token=[hidden] in a form"},
		{`{"headers":{"Authorization":"Bearer fake-or-v1-echoed-0123456789"}}`, `{"headers":{"Authorization":"Bearer [hidden]"}}`},
		{"authorization: Basic dXNlcjpwYXNz", "authorization: Basic [hidden]"},
		{"you sent bearer abcdefgh12345678 to us", "you sent bearer [hidden] to us"},
		{"a monkey=banana and key ring", "a monkey=banana and key ring"},
		{"https://openrouter.ai/api/v1", "https://openrouter.ai/api/v1"},
		{"write to teacher@school.example", "write to teacher@school.example"},
	}
	for _, c := range cases {
		if got := (&Secrets{}).Redact(c.in); got != c.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}
