"""Every language profile of the line counter on a small file written for it.

Each case is a file name and its lines, each line prefixed with its class, judged by hand:
``b`` blank, ``c`` comment, ``h`` header/footer (Java only), ``e`` effective code. The expected
metrics follow from the letters: loc = all lines, sloc = h + e, cloc = c, eloc = e.
"""

from __future__ import annotations

import pytest

from domain.analysis.loc import LocAnalyzer, profile_for
from domain.analysis.loc_profiles import PROFILES_BY_EXTENSION, PROFILES_BY_FILE_NAME
from tests.analysis import loc_reference

CASES: dict[str, str] = {
    "Foo.java": """
c|/**
c| * A small class.
c| */
e|package a;
b|
h|import java.util.List;
e|public class Foo
h|{
e|    private String s = "/* not a comment */";
c|    // a comment
e|    int x; /* trailing */
h|}
""",
    "module.py": '''
c|#!/usr/bin/env python
c|"""Module docstring.
b|
c|More text.
c|"""
e|import os
b|
e|def f(x):
c|    \'\'\'One line.\'\'\'
e|    s = "# not a comment"
e|    return x  # trailing
e|x = """
c|text in a string
c|"""
e|y = 'it' 's'
c|    # indented comment
''',
    "script.rb": """
c|# comment
c|=begin
c|  documentation, even code: puts 1
c|=end
e|puts "#{x}"
c|  =begin starts the trimmed line, so a comment, but opens no block off column 0
e|def f
e|end
""",
    "tool.pl": """
c|#!/usr/bin/perl
e|use strict;
b|
c|=pod
c|Docs here.
b|
c|=cut
e|print "hi";
e|my $x = 1; # note
""",
    "init.lua": """
c|-- line comment
c|--[[ block
c|still
c|]]
e|local s = "--[[ no"
e|print(s) -- trailing
""",
    "run.sh": """
c|#!/bin/sh
c|# comment
b|
e|echo "# not" # yes
c|  # indented
""",
    "query.sql": """
c|-- comment
e|SELECT a, b
e|FROM t /* inline */
c|/* block
c|   more */
e|WHERE x = '--not' AND y = '/*';
""",
    "pom.xml": """
e|<?xml version="1.0"?>
c|<!-- comment -->
e|<project>
c|  <!-- multi
c|       line -->
e|  <a href="<!--">x</a>
e|</project>
""",
    "index.html": """
e|<!DOCTYPE html>
e|<html>
c|<!--
c|  comment
b|
c|-->
e|<body></body>
e|</html>
""",
    "style.css": """
c|/* header */
e|body {
e|  color: red; /* x */
e|}
c|/*
c| a
c|*/
e|a::after { content: "/*"; }
""",
    "style.scss": """
c|// line comment
e|$x: 1;
c|/* block */
e|.a { b: $x; }
""",
    "config.yml": """
c|# comment
e|key: value # trailing
b|
e|list:
e|  - "# not"
""",
    "Cargo.toml": """
c|# comment
e|[section]
e|key = "#value"
""",
    "app.properties": """
c|# comment
c|! also a comment
e|key=value
""",
    "setup.cfg": """
c|; comment
c|# comment
e|[s]
e|k=v
""",
    "analysis.R": """
c|# comment
e|x <- c(1, 2) # trailing
""",
    "Dockerfile": """
c|# syntax=docker/dockerfile:1
e|FROM python:3.11
b|
e|RUN echo "#no"
""",
    "Makefile": """
c|# comment
e|all: build
e|\techo hi
""",
    "tools.cmake": """
c|# comment
e|project(x)
""",
    "lib.ex": """
c|# comment
e|defmodule A do
e|end
""",
    "a.erl": """
c|% comment
e|-module(a).
""",
    "core.clj": """
c|; comment
e|(ns core)
c|;; doc
""",
    "Main.hs": """
c|-- comment
c|{- block
c|   more -}
e|main = print "{-"
""",
    "build.ps1": """
c|# comment
c|<#
c| help
c|#>
e|Write-Host "<#"
""",
    "main.c": """
e|#include <stdio.h>
c|/* block */
e|int main(void) {
e|    char c = '"'; /* a quote in a character literal is no string */
c|    // line
e|    return 0;
e|}
""",
    "main.h": """
e|#ifndef MAIN_H
c|/**
c| * doc
c| */
e|int f(void);
e|#endif
""",
    "main.cpp": """
c|// comment
e|#include <string>
e|std::string s = "/* no";
e|int x = 1; /* open
c|still */
""",
    "Program.cs": """
c|/// <summary>doc</summary>
e|using System;
e|class A { }
e|char q = '"'; /* c */
""",
    "app.js": """
c|// header comment
e|const a = '/* not a comment';
e|const b = "*/";
c|/* block
c|   still */ const c = 1;
e|const d = `template /* x`;
e|function f() {
e|  return a; /* trailing */
e|}
""",
    "app.ts": """
e|import { x } from "y";
c|// comment
e|const s: string = `/*`;
c|/* block */
e|export {};
""",
    "Widget.tsx": """
e|export const A = () => (
e|  <div>{/* jsx comment */}</div>
e|);
c|// done
""",
    "main.go": """
e|package main
b|
e|import "fmt"
c|// comment
e|var s = `raw /* x`
c|/*
c| block
c|*/
e|func main() { fmt.Println(s) }
""",
    "A.kt": """
e|package a
c|/** doc */
e|fun f(): Char = '"'
c|// end
""",
    "A.scala": """
e|object A {
c|  // comment
e|  val s = "/*"
e|}
""",
    "build.gradle": """
e|plugins { id 'java' }
c|// comment
c|/* block
c|*/
""",
    "main.dart": """
c|// comment
e|void main() {
e|  print('/* no');
e|}
""",
    "lib.rs": """
c|//! crate doc
c|/// item doc
e|fn f<'a>(x: &'a str) -> &'a str { x } /* c */
c|/*
c| * block
c| */
""",
    "main.swift": """
e|import Foundation
c|// comment
e|let s = "/* no"
c|/* block */ let x = 1
""",
    "index.php": """
e|<?php
c|// comment
c|# hash comment
c|/* block */
e|$s = "/*";
e|echo $s; # trailing
""",
    "api.proto": """
e|syntax = "proto3";
c|// comment
e|message A {}
""",
}


def _parse(case: str) -> tuple[bytes, list[str]]:
    lines = case.strip("\n").split("\n")
    assert all(len(line) >= 2 and line[1] == "|" and line[0] in "bche" for line in lines), lines
    return ("\n".join(line[2:] for line in lines) + "\n").encode(), [line[0] for line in lines]


@pytest.mark.parametrize("file_name", sorted(CASES))
def test_profile_counts_the_hand_judged_lines(file_name: str) -> None:
    content, classes = _parse(CASES[file_name])
    found = profile_for(file_name)
    assert found is not None, file_name
    suffix, profile = found
    assert loc_reference.classify(content, profile) == classes
    sloc = classes.count("h") + classes.count("e")
    assert LocAnalyzer().analyze(file_name, content).metrics == {
        f"coderadar:size:loc:{suffix}": len(classes),
        f"coderadar:size:sloc:{suffix}": sloc,
        f"coderadar:size:cloc:{suffix}": classes.count("c"),
        f"coderadar:size:eloc:{suffix}": classes.count("e"),
    }


def test_every_profile_has_a_case() -> None:
    profiles = {p.name for p in (*PROFILES_BY_EXTENSION.values(), *PROFILES_BY_FILE_NAME.values())}
    covered = {found[1].name for name in CASES if (found := profile_for(name)) is not None}
    assert covered == profiles
    assert len(profiles) >= 21


@pytest.mark.parametrize(
    ("file_name", "profile"),
    [
        ("a.cc", "c"), ("a.cxx", "c"), ("a.hpp", "c"), ("a.hh", "c"), ("a.m", "c"),
        ("a.mjs", "javascript"), ("a.jsx", "javascript"), ("a.mts", "javascript"), ("a.tsx", "javascript"),
        ("a.kts", "kotlin"), ("a.groovy", "groovy"), ("a.bash", "shell"), ("a.zsh", "shell"),
        ("a.yaml", "yaml"), ("a.xsd", "xml"), ("a.svg", "xml"), ("a.htm", "html"), ("a.less", "scss"),
        ("a.pyi", "python"), ("Rakefile", "ruby"), ("Gemfile", "ruby"), ("a.pm", "perl"),
        ("GNUmakefile", "makefile"), ("a.mk", "makefile"), ("a.ini", "ini"), ("Containerfile", "dockerfile"),
    ],
)
def test_extensions_map_to_their_profile(file_name: str, profile: str) -> None:
    found = profile_for(file_name)
    assert found is not None and found[1].name == profile
