# /root/.profile of the layerlint test base image
export PS1='layerlint# '
