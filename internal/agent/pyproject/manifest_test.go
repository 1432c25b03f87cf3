package pyproject

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestScanTOML(t *testing.T) {
	t.Parallel()
	doc := `# top comment
name = "x" # trailing
[project]
description = """
[not.a.table]
dependencies = ["nope"]
"""
dependencies = [
  "fastapi>=0.1", # "commented>=1"
  'django',
  "escaped\"quote",
]
[ tool . "poetry" . dependencies ]
python = "^3.11"
flask = { version = "^3", extras = ["async"] }
[[tool.uv.index]]
url = "https://example.com/simple"
`
	var got []string
	for _, e := range scanTOML(doc) {
		got = append(got, e.table+"|"+e.key+"|"+e.value()+"|"+strconv.Itoa(e.line))
	}
	assert.Equal(t, []string{
		`|name|x|2`,
		"project|description|\n[not.a.table]\ndependencies = [\"nope\"]\n|4",
		`project|dependencies|fastapi>=0.1, django, escaped"quote|8`,
		`tool.poetry.dependencies|python|^3.11|14`,
		`tool.poetry.dependencies|flask|^3, async|15`,
		`tool.uv.index|url|https://example.com/simple|17`,
	}, got)
}

func TestScanINI(t *testing.T) {
	t.Parallel()
	doc := "[options]\ninstall_requires =\n    click>=8\n    # not a requirement\n    pydantic\npython_requires: >=3.9\n; comment\n[tool:pytest]\naddopts = -ra\n  -q\n"
	var got []string
	for _, e := range scanINI(doc) {
		got = append(got, e.section+"|"+e.key+"|"+e.value())
	}
	assert.Equal(t, []string{
		"options|install_requires|click>=8 pydantic",
		"options|python_requires|>=3.9",
		"tool:pytest|addopts|-ra -q",
	}, got)
}

func TestRequirementsLines(t *testing.T) {
	t.Parallel()
	reqs := requirementsLines("requirements.txt", "# deps\n-r base.txt\n-e .\nDjango_REST.framework >= 3.15 ; python_version >= '3.10'  # api\nhttps://x/y.whl\n\nuvicorn[standard]\n")
	assert.Equal(t, []Requirement{
		{Name: "django-rest-framework", Spec: "Django_REST.framework>=3.15", File: "requirements.txt", Line: 4},
		{Name: "uvicorn", Spec: "uvicorn[standard]", File: "requirements.txt", Line: 7},
	}, reqs)
}
