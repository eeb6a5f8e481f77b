#!/bin/sh
jq --version
