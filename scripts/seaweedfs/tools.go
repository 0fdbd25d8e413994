//go:build tools

package weedbuild

import _ "github.com/seaweedfs/seaweedfs/weed"
