package main

import (
	"runtime/debug"
	"strings"
)

// buildVersion, when set with -ldflags "-X main.buildVersion=v1.2.3", is
// the version reported.
var buildVersion string

// version is the version the server reports to clients: buildVersion,
// else the module version when built with go install, else the VCS
// revision the binary was built from.
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, modified := vcs(bi)
	switch {
	case rev == "":
		return "dev"
	case modified:
		return "dev-" + rev + "-dirty"
	}
	return "dev-" + rev
}

// versionLine is what --version prints: the version, then the revision the
// binary was built from and whether the tree had changes, when the build
// recorded them (a build in a checkout does; go install module@version and
// -buildvcs=false do not), and the Go release: "agentbox v1.2.3 (rev
// abc123def456, modified, go1.26.8)".
func versionLine() string {
	bi, _ := debug.ReadBuildInfo()
	return describeBuild(buildVersion, bi)
}

func describeBuild(override string, bi *debug.BuildInfo) string {
	v := override
	var details []string
	if bi != nil {
		if v == "" {
			v = bi.Main.Version
		}
		if rev, modified := vcs(bi); rev != "" {
			details = append(details, "rev "+rev)
			if modified {
				details = append(details, "modified")
			}
		}
		if bi.GoVersion != "" {
			details = append(details, bi.GoVersion)
		}
	}
	if v == "" {
		v = "(devel)"
	}
	line := "agentbox " + v
	if len(details) > 0 {
		line += " (" + strings.Join(details, ", ") + ")"
	}
	return line
}

// vcs is the revision the build recorded, shortened to 12 characters, and
// whether the tree had changes; "" when it recorded none.
func vcs(bi *debug.BuildInfo) (rev string, modified bool) {
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value[:min(len(s.Value), 12)]
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	return rev, modified
}
