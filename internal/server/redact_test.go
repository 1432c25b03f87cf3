package server

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Tokens of the shapes redaction knows, made up for the tests.
const (
	ghToken     = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
	ghoToken    = "gho_16C7e42F292c6912E7710c838347Ae178B4a"
	ghsToken    = "ghs_4ZQ9rXyv8sJ2kLmN3pQ7tUvW1xYz5aBcDeFg"
	ghPAT       = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
	antKey      = "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGhIjKlMnOpQrSt-AbCdEfGhIjKAA"
	openaiKey   = "sk-AbCdEfGhIjKlMnOpQrStT3BlbkFJAbCdEfGhIjKlMnOpQrSt"
	openaiProj  = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGhIjKlMn"
	awsKeyID    = "AKIAIOSFODNN7EXAMPLE"
	awsTempID   = "ASIAY34FZKBOKMUTVV7A"
	awsSecret   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	slackBot    = "xoxb-2150423-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
	slackUser   = "xoxp-2150423-1234567890123-1234567890123-abcdef0123456789abcdef0123456789"
	jwt         = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	basicCreds  = "dXNlcjpodW50ZXIy" // user:hunter2
	plainSecret = "hunter2-Secret"
)

// TestRedactForms: each form of credential, one by one. want is the whole
// string as the audit log keeps it.
func TestRedactForms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"URL password", "git clone https://alice:" + plainSecret + "@git.example.com/repo.git",
			"git clone https://alice:[redacted]@git.example.com/repo.git"},
		{"URL password, no user", "redis-cli -u redis://:" + plainSecret + "@localhost:6379/0",
			"redis-cli -u redis://:[redacted]@localhost:6379/0"},
		{"URL password in a database URL", `DATABASE_URL="postgres://app:` + plainSecret + `@db:5432/app" pytest`,
			`DATABASE_URL="postgres://app:[redacted]@db:5432/app" pytest`},
		{"curl -u", "curl -u alice:" + plainSecret + " https://api.example.com",
			"curl -u alice:[redacted] https://api.example.com"},
		{"curl --user=, quoted", `curl --user="alice:` + plainSecret + `" https://api.example.com`,
			`curl --user="alice:[redacted]" https://api.example.com`},
		{"--password PW", "mysql --user root --password " + plainSecret + " app",
			"mysql --user root --password [redacted] app"},
		{"--password=PW", "psql --password=" + plainSecret + " -h db",
			"psql --password=[redacted] -h db"},
		{"--token T", "gh auth login --with-token --token " + plainSecret,
			"gh auth login --with-token --token [redacted]"},
		{"password: PW", "printf 'password: " + plainSecret + "\\n' > config.yml",
			"printf 'password: [redacted]' > config.yml"},
		{"JSON password", `{"user": "alice", "password": "` + plainSecret + `"}`,
			`{"user": "alice", "password": [redacted]}`},
		{"X-Api-Key header", `curl -H "X-Api-Key: ` + plainSecret + `" https://api.example.com`,
			`curl -H "X-Api-Key: [redacted]" https://api.example.com`},
		{"Authorization: Basic", `curl -H "Authorization: Basic ` + basicCreds + `" https://x`,
			`curl -H "Authorization: Basic [redacted]" https://x`},
		{"Authorization: Bearer", `curl -H 'Authorization: Bearer ` + plainSecret + `' https://x`,
			`curl -H 'Authorization: Bearer [redacted]' https://x`},
		{"Cookie header", `curl -H 'Cookie: session=` + plainSecret + `; csrf=` + plainSecret + `' https://x`,
			`curl -H 'Cookie: [redacted]' https://x`},
		{"NAME=value", "GITHUB_TOKEN=" + plainSecret + " make release",
			"GITHUB_TOKEN=[redacted] make release"},
		{"NAME = value", "API_KEY = " + plainSecret,
			"API_KEY = [redacted]"},
		{"name = 'value' in code", "client = Client(secret_key = '" + plainSecret + "')",
			"client = Client(secret_key = [redacted])"},
		{"aws_secret_access_key", "aws_secret_access_key = " + awsSecret,
			"aws_secret_access_key = [redacted]"},
		{"a token in a URL's query", "curl 'https://api.example.com/v1?access_token=" + plainSecret + "&page=2'",
			"curl 'https://api.example.com/v1?access_token=[redacted]&page=2'"},
		{"GitHub ghp_", "echo " + ghToken + " | gh auth login --with-token", "echo ghp_[redacted] | gh auth login --with-token"},
		{"GitHub gho_", "token " + ghoToken, "token gho_[redacted]"},
		{"GitHub ghs_", "x " + ghsToken, "x ghs_[redacted]"},
		{"GitHub github_pat_", "git push https://" + ghPAT + "@github.com/o/r", "git push https://github_pat_[redacted]@github.com/o/r"},
		{"Anthropic sk-ant-", "export ANTHROPIC=" + antKey, "export ANTHROPIC=sk-ant-[redacted]"},
		{"OpenAI sk-", "openai --key-of " + openaiKey, "openai --key-of sk-[redacted]"},
		{"OpenAI sk-proj-", `client = OpenAI("` + openaiProj + `")`, `client = OpenAI("sk-proj-[redacted]")`},
		{"AWS AKIA", "aws configure set aws_access_key_id " + awsKeyID, "aws configure set aws_access_key_id AKIA[redacted]"},
		{"AWS ASIA", "id=" + awsTempID, "id=ASIA[redacted]"},
		{"Slack xoxb-", "curl -d text=hi -d channel=C1 -d t=" + slackBot, "curl -d text=hi -d channel=C1 -d t=xoxb-[redacted]"},
		{"Slack xoxp-", slackUser, "xoxp-[redacted]"},
		{"JWT", "curl -b session=" + jwt + " https://x", "curl -b session=eyJ[redacted] https://x"},

		// What is kept.
		{"a variable, not its value", `curl -H "Authorization: Bearer $TOKEN" -u "$USER:$PASSWORD" --password "$DB_PASSWORD"`,
			`curl -H "Authorization: Bearer $TOKEN" -u "$USER:$PASSWORD" --password "$DB_PASSWORD"`},
		{"where a secret is kept", "agentbox --token-file /run/secrets/token --password-stdin",
			"agentbox --token-file /run/secrets/token --password-stdin"},
		{"names that only look alike", "git commit --author 'A U Thor' -m 'max_tokens=100, tokenizer: bpe'",
			"git commit --author 'A U Thor' -m 'max_tokens=100, tokenizer: bpe'"},
		{"code comparing a token", "if token == nil { token := load() }",
			"if token == nil { token := load() }"},
		{"a URL without a password", "curl https://example.com:8443/a:b@c", "curl https://example.com:8443/a:b@c"},
		{"sk- inside a word", "kubectl get task-abcdefghijklmnopqrstuvwxyz", "kubectl get task-abcdefghijklmnopqrstuvwxyz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := redactString(tc.in)
			assert.Equal(t, tc.want, got)
			assert.NotContains(t, got, plainSecret)
		})
	}
}

func TestSecretName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"password", "PGPASSWORD", "db_passwd", "passphrase", "client_secret", "AWS_SECRET_ACCESS_KEY",
		"api_key", "apiKey", "X-Api-Key", "APIKEY", "access_key", "private_key", "GITHUB_TOKEN", "accessToken", "auth",
		"oauth", "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "credentials", "HF_TOKEN"} {
		assert.True(t, secretName(name), name)
	}
	for _, name := range []string{"file_path", "command", "author", "max_tokens", "tokenizer", "GITHUB_TOKEN_FILE",
		"token-path", "password-stdin", "key", "monkey", "description", "pattern", ""} {
		assert.False(t, secretName(name), name)
	}
}

// shapes is one token of each known shape, with what stays of it.
var shapes = []struct{ prefix, body string }{
	{"ghp_", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"},
	{"gho_", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"},
	{"ghs_", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"},
	{"github_pat_", "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"},
	{"sk-ant-", "api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"},
	{"sk-", "AbCdEfGhIjKlMnOpQrStT3BlbkFJAbCdEfGhIjKl"},
	{"sk-proj-", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"},
	{"AKIA", "IOSFODNN7EXAMPLE"},
	{"ASIA", "Y34FZKBOKMUTVV7A"},
	{"xoxb-", "2150423-1234567890123-AbCdEfGhIjKl"},
	{"xoxa-", "2150423-1234567890123-AbCdEfGhIjKl"},
	{"xoxp-", "2150423-1234567890123-AbCdEfGhIjKl"},
	{"xoxr-", "2150423-1234567890123-AbCdEfGhIjKl"},
	{"xoxs-", "2150423-1234567890123-AbCdEfGhIjKl"},
	{"eyJ", "hbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"},
}

// FuzzRedact: redaction never panics, and a token of a known shape, set
// anywhere among arbitrary text, never comes through; nor does anything
// its output still matches as a token.
func FuzzRedact(f *testing.F) {
	f.Add("curl -H 'Authorization: ", "' https://x", uint8(0), "")
	f.Add("export KEY=", "; make", uint8(5), "zz")
	f.Add("https://u:", "@host/p", uint8(7), "")
	f.Add("password: ", "\n", uint8(14), "Q")
	f.Add(`{"a":"`, `"}`, uint8(3), "_")
	f.Fuzz(func(t *testing.T, before, after string, kind uint8, extra string) {
		s := shapes[int(kind)%len(shapes)]
		// extra only lengthens a token whose body may grow, with characters
		// every such body allows.
		var grow strings.Builder
		if s.prefix != "AKIA" && s.prefix != "ASIA" {
			for _, r := range extra {
				if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
					grow.WriteRune(r)
				}
			}
		}
		token := s.prefix + s.body + grow.String()
		in := before + " " + token + " " + after
		got := redactValue(in).(string)
		if len(in) <= auditMaxValue {
			assert.NotContains(t, got, s.body, "a %s token came through: %q -> %q", s.prefix, in, got)
		}
		for _, re := range tokenShapes {
			assert.False(t, re.MatchString(got), "%q still matches %v: %q", got, re, in)
		}
		_ = redact(map[string]any{before: after, "nested": map[string]any{after: []any{before, extra}}})
	})
}
